#!/usr/bin/env bash
# Runs one reference table's protocol: every row flagfile of TABLE_DIR (in
# name order) with the table's common.flags, each into OUT_ROOT/<row>, DEE
# against row 00_* when the table has one, then the report of all rows
# (Markdown, CSV, figures; the columns of equal training budget when the
# table has a `budgets` file) in OUT_ROOT/report.
#
#   benchmarks/paper/run_table.sh TABLE_DIR [DRIVER] [OUT_ROOT] [DRIVER_FLAGS...]
#
#   # reduced tables, 2 CPU cores:
#   benchmarks/paper/run_table.sh benchmarks/paper/snapshot_fmnist_lenet
#   # full budget on a GPU, pointing at the data:
#   benchmarks/paper/run_table.sh benchmarks/paper/fge_c100_wrn28_10 build/driver runs/fge_c100 \
#       --dataset_args=dir=/data/cifar-100-binary
#
# DRIVER defaults to bazel-bin/driver/driver, OUT_ROOT to runs/<table>.
# DRIVER_FLAGS go to every run; a --dataset_args there is joined with a row's
# own (e.g. the data dir and kfac_laplace's val_size). A row already finished
# in OUT_ROOT is kept; an interrupted one is resumed. A row's flags may name
# another row's run as {OUT}/<row> (a teacher, a pool of runs): the row runs
# from OUT_ROOT/.flags/<row>.flags, {OUT} replaced, kept for its command line.
set -euo pipefail
table=${1:?usage: run_table.sh TABLE_DIR [DRIVER] [OUT_ROOT] [DRIVER_FLAGS...]}
table=${table%/}
driver=${2:-bazel-bin/driver/driver}
out=${3:-runs/$(basename "$table")}
shift $(( $# < 3 ? $# : 3 ))
[[ -f $table/common.flags ]] || { echo "error: $table/common.flags missing (not a table directory)" >&2; exit 2; }
[[ -x $driver ]] || { echo "error: driver '$driver' not found (bazel build //:driver)" >&2; exit 2; }

user_dataset_args=""
extra=()
for flag in "$@"; do
  if [[ $flag == --dataset_args=* ]]; then user_dataset_args=${flag#--dataset_args=}; else extra+=("$flag"); fi
done

reference=""
rows=()
mkdir -p "$out/.flags"
out_for_sed=$(printf '%s' "$out" | sed 's/[&|\\]/\\&/g')
for table_row_file in "$table"/[0-9]*.flags; do
  row=$(basename "$table_row_file" .flags)
  row_file=$out/.flags/$row.flags
  sed "s|{OUT}|$out_for_sed|g" "$table_row_file" >"$row_file"
  rows+=("$out/$row")
  row_dataset_args=$(sed -n 's/^--dataset_args=//p' "$row_file")
  joined=$(IFS=,; parts=($user_dataset_args $row_dataset_args); echo "${parts[*]}")
  flags=(--flagfile="$table/common.flags" --flagfile="$row_file" --out_dir="$out/$row" "${extra[@]}")
  [[ -n $joined ]] && flags+=(--dataset_args="$joined")
  [[ -n $reference ]] && flags+=(--dee_reference="$reference")
  if [[ -f $out/$row/results.json ]]; then
    echo "== $row: finished earlier, kept"
  elif [[ -d $out/$row/checkpoints ]]; then
    echo "== $row: resuming"
    "$driver" "${flags[@]}" --resume
  else
    echo "== $row"
    "$driver" "${flags[@]}"
  fi
  [[ $row == 00_* ]] && reference="$out/$row"
done

report=$(dirname "$driver")/../tools/report/report
[[ -x $report ]] || report=bazel-bin/tools/report/report
report_flags=()
[[ -f $table/budgets ]] && report_flags+=(--budgets="$table/budgets")
# Every row's DEE against the table's own deep ensemble, also for rows kept
# from elsewhere (evaluated against another reference, or none).
[[ -n $reference ]] && report_flags+=(--dee_reference="$reference")
"$report" --out_dir="$out/report" --cost --sizes="$(cat "$table/sizes")" "${report_flags[@]}" "${rows[@]}"
