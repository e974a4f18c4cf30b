// Telling two groups apart by a score (positives should score higher): what
// misclassification and out-of-distribution detection are measured by.
// `scores` float64 [N] (any real values; NaN not allowed), `positive` bool [N].
//
//   Auroc            P(a random positive scores above a random negative),
//                    ties one half (Mann-Whitney U); NaN if a group is empty
//   AveragePrecision the area under the precision-recall curve as a step
//                    function: sum over distinct thresholds of (recall gain)
//                    x precision there (scikit-learn's average_precision);
//                    NaN without positives
//   FprAtTpr         the smallest fraction of negatives at or above a
//                    threshold that keeps at least `tpr` of the positives
//                    at or above it; NaN if a group is empty
#ifndef ENSEMBLES_METRICS_DETECTION_H_
#define ENSEMBLES_METRICS_DETECTION_H_

#include <torch/types.h>

namespace ens {

double Auroc(const torch::Tensor& scores, const torch::Tensor& positive);
double AveragePrecision(const torch::Tensor& scores, const torch::Tensor& positive);
double FprAtTpr(const torch::Tensor& scores, const torch::Tensor& positive, double tpr);

}  // namespace ens

#endif  // ENSEMBLES_METRICS_DETECTION_H_
