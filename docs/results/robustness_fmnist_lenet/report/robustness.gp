# Written by //tools/report; rerun with: gnuplot robustness.gp
set grid
set key outside right top font ',8' spacing 0.9 box
set style fill transparent solid 0.15
set terminal pngcairo size 1800,1000 noenhanced
set output 'docs/results/robustness_fmnist_lenet/report/shift_vs_severity.png'
set multiplot layout 2,3 title 'under shift, over corruptions: median (solid), mean (dashed), quartiles (band); severity 0 = clean'
set xlabel 'severity'
set xrange [0:5]
set ylabel 'error, %'
plot 'docs/results/robustness_fmnist_lenet/report/data/setting_00_shift.dat' using 1:4:5 with filledcurves lc 1 notitle, 'docs/results/robustness_fmnist_lenet/report/data/setting_00_shift.dat' using 1:3 with linespoints lc 1 title 'deep_ensemble', 'docs/results/robustness_fmnist_lenet/report/data/setting_00_shift.dat' using 1:2 with lines dt 2 lc 1 notitle
set ylabel 'NLL'
plot 'docs/results/robustness_fmnist_lenet/report/data/setting_00_shift.dat' using 1:8:9 with filledcurves lc 1 notitle, 'docs/results/robustness_fmnist_lenet/report/data/setting_00_shift.dat' using 1:7 with linespoints lc 1 title 'deep_ensemble', 'docs/results/robustness_fmnist_lenet/report/data/setting_00_shift.dat' using 1:6 with lines dt 2 lc 1 notitle
set ylabel 'NLL at the clean temperature'
plot 'docs/results/robustness_fmnist_lenet/report/data/setting_00_shift.dat' using 1:12:13 with filledcurves lc 1 notitle, 'docs/results/robustness_fmnist_lenet/report/data/setting_00_shift.dat' using 1:11 with linespoints lc 1 title 'deep_ensemble', 'docs/results/robustness_fmnist_lenet/report/data/setting_00_shift.dat' using 1:10 with lines dt 2 lc 1 notitle
set ylabel 'calibrated NLL (cv on the set)'
plot 'docs/results/robustness_fmnist_lenet/report/data/setting_00_shift.dat' using 1:16:17 with filledcurves lc 1 notitle, 'docs/results/robustness_fmnist_lenet/report/data/setting_00_shift.dat' using 1:15 with linespoints lc 1 title 'deep_ensemble', 'docs/results/robustness_fmnist_lenet/report/data/setting_00_shift.dat' using 1:14 with lines dt 2 lc 1 notitle
set ylabel 'ECE'
plot 'docs/results/robustness_fmnist_lenet/report/data/setting_00_shift.dat' using 1:20:21 with filledcurves lc 1 notitle, 'docs/results/robustness_fmnist_lenet/report/data/setting_00_shift.dat' using 1:19 with linespoints lc 1 title 'deep_ensemble', 'docs/results/robustness_fmnist_lenet/report/data/setting_00_shift.dat' using 1:18 with lines dt 2 lc 1 notitle
unset multiplot
set autoscale x
set output 'docs/results/robustness_fmnist_lenet/report/ood_auroc_vs_size.png'
set multiplot layout 3,2 title 'OOD AUROC against ensemble size (mean over seeds)'
set xlabel 'ensemble size'
set ylabel 'AUROC'
set title 'flipped'
plot 'docs/results/robustness_fmnist_lenet/report/data/setting_00_ood_flipped_entropy.dat' using 1:2 with linespoints title 'deep_ensemble entropy', 'docs/results/robustness_fmnist_lenet/report/data/setting_00_ood_flipped_mutual_information.dat' using 1:2 with linespoints title 'deep_ensemble mutual_information'
set title 'gaussian'
plot 'docs/results/robustness_fmnist_lenet/report/data/setting_00_ood_gaussian_entropy.dat' using 1:2 with linespoints title 'deep_ensemble entropy', 'docs/results/robustness_fmnist_lenet/report/data/setting_00_ood_gaussian_mutual_information.dat' using 1:2 with linespoints title 'deep_ensemble mutual_information'
set title 'mnist'
plot 'docs/results/robustness_fmnist_lenet/report/data/setting_00_ood_mnist_entropy.dat' using 1:2 with linespoints title 'deep_ensemble entropy', 'docs/results/robustness_fmnist_lenet/report/data/setting_00_ood_mnist_mutual_information.dat' using 1:2 with linespoints title 'deep_ensemble mutual_information'
set title 'rotated'
plot 'docs/results/robustness_fmnist_lenet/report/data/setting_00_ood_rotated_entropy.dat' using 1:2 with linespoints title 'deep_ensemble entropy', 'docs/results/robustness_fmnist_lenet/report/data/setting_00_ood_rotated_mutual_information.dat' using 1:2 with linespoints title 'deep_ensemble mutual_information'
set title 'uniform'
plot 'docs/results/robustness_fmnist_lenet/report/data/setting_00_ood_uniform_entropy.dat' using 1:2 with linespoints title 'deep_ensemble entropy', 'docs/results/robustness_fmnist_lenet/report/data/setting_00_ood_uniform_mutual_information.dat' using 1:2 with linespoints title 'deep_ensemble mutual_information'
unset title
unset multiplot
set terminal svg size 1800,1000 noenhanced dynamic
set output 'docs/results/robustness_fmnist_lenet/report/shift_vs_severity.svg'
set multiplot layout 2,3 title 'under shift, over corruptions: median (solid), mean (dashed), quartiles (band); severity 0 = clean'
set xlabel 'severity'
set xrange [0:5]
set ylabel 'error, %'
plot 'docs/results/robustness_fmnist_lenet/report/data/setting_00_shift.dat' using 1:4:5 with filledcurves lc 1 notitle, 'docs/results/robustness_fmnist_lenet/report/data/setting_00_shift.dat' using 1:3 with linespoints lc 1 title 'deep_ensemble', 'docs/results/robustness_fmnist_lenet/report/data/setting_00_shift.dat' using 1:2 with lines dt 2 lc 1 notitle
set ylabel 'NLL'
plot 'docs/results/robustness_fmnist_lenet/report/data/setting_00_shift.dat' using 1:8:9 with filledcurves lc 1 notitle, 'docs/results/robustness_fmnist_lenet/report/data/setting_00_shift.dat' using 1:7 with linespoints lc 1 title 'deep_ensemble', 'docs/results/robustness_fmnist_lenet/report/data/setting_00_shift.dat' using 1:6 with lines dt 2 lc 1 notitle
set ylabel 'NLL at the clean temperature'
plot 'docs/results/robustness_fmnist_lenet/report/data/setting_00_shift.dat' using 1:12:13 with filledcurves lc 1 notitle, 'docs/results/robustness_fmnist_lenet/report/data/setting_00_shift.dat' using 1:11 with linespoints lc 1 title 'deep_ensemble', 'docs/results/robustness_fmnist_lenet/report/data/setting_00_shift.dat' using 1:10 with lines dt 2 lc 1 notitle
set ylabel 'calibrated NLL (cv on the set)'
plot 'docs/results/robustness_fmnist_lenet/report/data/setting_00_shift.dat' using 1:16:17 with filledcurves lc 1 notitle, 'docs/results/robustness_fmnist_lenet/report/data/setting_00_shift.dat' using 1:15 with linespoints lc 1 title 'deep_ensemble', 'docs/results/robustness_fmnist_lenet/report/data/setting_00_shift.dat' using 1:14 with lines dt 2 lc 1 notitle
set ylabel 'ECE'
plot 'docs/results/robustness_fmnist_lenet/report/data/setting_00_shift.dat' using 1:20:21 with filledcurves lc 1 notitle, 'docs/results/robustness_fmnist_lenet/report/data/setting_00_shift.dat' using 1:19 with linespoints lc 1 title 'deep_ensemble', 'docs/results/robustness_fmnist_lenet/report/data/setting_00_shift.dat' using 1:18 with lines dt 2 lc 1 notitle
unset multiplot
set autoscale x
set output 'docs/results/robustness_fmnist_lenet/report/ood_auroc_vs_size.svg'
set multiplot layout 3,2 title 'OOD AUROC against ensemble size (mean over seeds)'
set xlabel 'ensemble size'
set ylabel 'AUROC'
set title 'flipped'
plot 'docs/results/robustness_fmnist_lenet/report/data/setting_00_ood_flipped_entropy.dat' using 1:2 with linespoints title 'deep_ensemble entropy', 'docs/results/robustness_fmnist_lenet/report/data/setting_00_ood_flipped_mutual_information.dat' using 1:2 with linespoints title 'deep_ensemble mutual_information'
set title 'gaussian'
plot 'docs/results/robustness_fmnist_lenet/report/data/setting_00_ood_gaussian_entropy.dat' using 1:2 with linespoints title 'deep_ensemble entropy', 'docs/results/robustness_fmnist_lenet/report/data/setting_00_ood_gaussian_mutual_information.dat' using 1:2 with linespoints title 'deep_ensemble mutual_information'
set title 'mnist'
plot 'docs/results/robustness_fmnist_lenet/report/data/setting_00_ood_mnist_entropy.dat' using 1:2 with linespoints title 'deep_ensemble entropy', 'docs/results/robustness_fmnist_lenet/report/data/setting_00_ood_mnist_mutual_information.dat' using 1:2 with linespoints title 'deep_ensemble mutual_information'
set title 'rotated'
plot 'docs/results/robustness_fmnist_lenet/report/data/setting_00_ood_rotated_entropy.dat' using 1:2 with linespoints title 'deep_ensemble entropy', 'docs/results/robustness_fmnist_lenet/report/data/setting_00_ood_rotated_mutual_information.dat' using 1:2 with linespoints title 'deep_ensemble mutual_information'
set title 'uniform'
plot 'docs/results/robustness_fmnist_lenet/report/data/setting_00_ood_uniform_entropy.dat' using 1:2 with linespoints title 'deep_ensemble entropy', 'docs/results/robustness_fmnist_lenet/report/data/setting_00_ood_uniform_mutual_information.dat' using 1:2 with linespoints title 'deep_ensemble mutual_information'
unset title
unset multiplot
