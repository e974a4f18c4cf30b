# Written by //tools/report; rerun with: gnuplot plots.gp
set grid
set key outside right top font ',8' spacing 0.9 box
set terminal pngcairo size 1800,1000 noenhanced
set output 'docs/results/robustness_fmnist_lenet_30ep/report/metrics_vs_size.png'
set multiplot layout 2,2 title 'metrics against ensemble size (mean over seeds)'
set logscale x 2
set xlabel 'ensemble size'
set ylabel 'test error, %'
plot 'docs/results/robustness_fmnist_lenet_30ep/report/data/setting_00_sizes.dat' using 1:2 with linespoints linetype 1 dashtype 1 pointtype 1 title 'deep_ensemble', 'docs/results/robustness_fmnist_lenet_30ep/report/data/setting_01_sizes.dat' using 1:2 with linespoints linetype 2 dashtype 1 pointtype 2 title 'mc_dropout (weights_from=deep_ensemble_s0)', 'docs/results/robustness_fmnist_lenet_30ep/report/data/setting_02_sizes.dat' using 1:2 with linespoints linetype 3 dashtype 1 pointtype 3 title 'kfac_laplace (weights_from=deep_ensemble_s0)', 'docs/results/robustness_fmnist_lenet_30ep/report/data/setting_03_sizes.dat' using 1:2 with linespoints linetype 4 dashtype 1 pointtype 4 title 'snapshot', 'docs/results/robustness_fmnist_lenet_30ep/report/data/setting_04_sizes.dat' using 1:2 with linespoints linetype 5 dashtype 1 pointtype 5 title 'fge (cycle_epochs=3)'
set ylabel 'NLL'
plot 'docs/results/robustness_fmnist_lenet_30ep/report/data/setting_00_sizes.dat' using 1:3 with linespoints linetype 1 dashtype 1 pointtype 1 title 'deep_ensemble', 'docs/results/robustness_fmnist_lenet_30ep/report/data/setting_01_sizes.dat' using 1:3 with linespoints linetype 2 dashtype 1 pointtype 2 title 'mc_dropout (weights_from=deep_ensemble_s0)', 'docs/results/robustness_fmnist_lenet_30ep/report/data/setting_02_sizes.dat' using 1:3 with linespoints linetype 3 dashtype 1 pointtype 3 title 'kfac_laplace (weights_from=deep_ensemble_s0)', 'docs/results/robustness_fmnist_lenet_30ep/report/data/setting_03_sizes.dat' using 1:3 with linespoints linetype 4 dashtype 1 pointtype 4 title 'snapshot', 'docs/results/robustness_fmnist_lenet_30ep/report/data/setting_04_sizes.dat' using 1:3 with linespoints linetype 5 dashtype 1 pointtype 5 title 'fge (cycle_epochs=3)'
set ylabel 'calibrated NLL'
plot 'docs/results/robustness_fmnist_lenet_30ep/report/data/setting_00_sizes.dat' using 1:4 with linespoints linetype 1 dashtype 1 pointtype 1 title 'deep_ensemble', 'docs/results/robustness_fmnist_lenet_30ep/report/data/setting_01_sizes.dat' using 1:4 with linespoints linetype 2 dashtype 1 pointtype 2 title 'mc_dropout (weights_from=deep_ensemble_s0)', 'docs/results/robustness_fmnist_lenet_30ep/report/data/setting_02_sizes.dat' using 1:4 with linespoints linetype 3 dashtype 1 pointtype 3 title 'kfac_laplace (weights_from=deep_ensemble_s0)', 'docs/results/robustness_fmnist_lenet_30ep/report/data/setting_03_sizes.dat' using 1:4 with linespoints linetype 4 dashtype 1 pointtype 4 title 'snapshot', 'docs/results/robustness_fmnist_lenet_30ep/report/data/setting_04_sizes.dat' using 1:4 with linespoints linetype 5 dashtype 1 pointtype 5 title 'fge (cycle_epochs=3)'
set ylabel 'DEE'
plot 'docs/results/robustness_fmnist_lenet_30ep/report/data/setting_00_sizes.dat' using 1:5 with linespoints linetype 1 dashtype 1 pointtype 1 title 'deep_ensemble', 'docs/results/robustness_fmnist_lenet_30ep/report/data/setting_01_sizes.dat' using 1:5 with linespoints linetype 2 dashtype 1 pointtype 2 title 'mc_dropout (weights_from=deep_ensemble_s0)', 'docs/results/robustness_fmnist_lenet_30ep/report/data/setting_02_sizes.dat' using 1:5 with linespoints linetype 3 dashtype 1 pointtype 3 title 'kfac_laplace (weights_from=deep_ensemble_s0)', 'docs/results/robustness_fmnist_lenet_30ep/report/data/setting_03_sizes.dat' using 1:5 with linespoints linetype 4 dashtype 1 pointtype 4 title 'snapshot', 'docs/results/robustness_fmnist_lenet_30ep/report/data/setting_04_sizes.dat' using 1:5 with linespoints linetype 5 dashtype 1 pointtype 5 title 'fge (cycle_epochs=3)'
unset multiplot
unset logscale x
set output 'docs/results/robustness_fmnist_lenet_30ep/report/training.png'
set multiplot layout 2,1 title 'training (first seed of each setting)'
set xlabel 'epoch (all members and phases of the run, in order)'
set ylabel 'learning rate'
plot 'docs/results/robustness_fmnist_lenet_30ep/report/data/setting_00_training.dat' using 1:2 with steps linetype 1 dashtype 1 title 'deep_ensemble', 'docs/results/robustness_fmnist_lenet_30ep/report/data/setting_03_training.dat' using 1:2 with steps linetype 4 dashtype 1 title 'snapshot', 'docs/results/robustness_fmnist_lenet_30ep/report/data/setting_04_training.dat' using 1:2 with steps linetype 5 dashtype 1 title 'fge (cycle_epochs=3)'
set ylabel 'training loss'
set logscale y
plot 'docs/results/robustness_fmnist_lenet_30ep/report/data/setting_00_training.dat' using 1:3 with lines linetype 1 dashtype 1 title 'deep_ensemble', 'docs/results/robustness_fmnist_lenet_30ep/report/data/setting_03_training.dat' using 1:3 with lines linetype 4 dashtype 1 title 'snapshot', 'docs/results/robustness_fmnist_lenet_30ep/report/data/setting_04_training.dat' using 1:3 with lines linetype 5 dashtype 1 title 'fge (cycle_epochs=3)'
unset logscale y
unset multiplot
set terminal svg size 1800,1000 noenhanced dynamic
set output 'docs/results/robustness_fmnist_lenet_30ep/report/metrics_vs_size.svg'
set multiplot layout 2,2 title 'metrics against ensemble size (mean over seeds)'
set logscale x 2
set xlabel 'ensemble size'
set ylabel 'test error, %'
plot 'docs/results/robustness_fmnist_lenet_30ep/report/data/setting_00_sizes.dat' using 1:2 with linespoints linetype 1 dashtype 1 pointtype 1 title 'deep_ensemble', 'docs/results/robustness_fmnist_lenet_30ep/report/data/setting_01_sizes.dat' using 1:2 with linespoints linetype 2 dashtype 1 pointtype 2 title 'mc_dropout (weights_from=deep_ensemble_s0)', 'docs/results/robustness_fmnist_lenet_30ep/report/data/setting_02_sizes.dat' using 1:2 with linespoints linetype 3 dashtype 1 pointtype 3 title 'kfac_laplace (weights_from=deep_ensemble_s0)', 'docs/results/robustness_fmnist_lenet_30ep/report/data/setting_03_sizes.dat' using 1:2 with linespoints linetype 4 dashtype 1 pointtype 4 title 'snapshot', 'docs/results/robustness_fmnist_lenet_30ep/report/data/setting_04_sizes.dat' using 1:2 with linespoints linetype 5 dashtype 1 pointtype 5 title 'fge (cycle_epochs=3)'
set ylabel 'NLL'
plot 'docs/results/robustness_fmnist_lenet_30ep/report/data/setting_00_sizes.dat' using 1:3 with linespoints linetype 1 dashtype 1 pointtype 1 title 'deep_ensemble', 'docs/results/robustness_fmnist_lenet_30ep/report/data/setting_01_sizes.dat' using 1:3 with linespoints linetype 2 dashtype 1 pointtype 2 title 'mc_dropout (weights_from=deep_ensemble_s0)', 'docs/results/robustness_fmnist_lenet_30ep/report/data/setting_02_sizes.dat' using 1:3 with linespoints linetype 3 dashtype 1 pointtype 3 title 'kfac_laplace (weights_from=deep_ensemble_s0)', 'docs/results/robustness_fmnist_lenet_30ep/report/data/setting_03_sizes.dat' using 1:3 with linespoints linetype 4 dashtype 1 pointtype 4 title 'snapshot', 'docs/results/robustness_fmnist_lenet_30ep/report/data/setting_04_sizes.dat' using 1:3 with linespoints linetype 5 dashtype 1 pointtype 5 title 'fge (cycle_epochs=3)'
set ylabel 'calibrated NLL'
plot 'docs/results/robustness_fmnist_lenet_30ep/report/data/setting_00_sizes.dat' using 1:4 with linespoints linetype 1 dashtype 1 pointtype 1 title 'deep_ensemble', 'docs/results/robustness_fmnist_lenet_30ep/report/data/setting_01_sizes.dat' using 1:4 with linespoints linetype 2 dashtype 1 pointtype 2 title 'mc_dropout (weights_from=deep_ensemble_s0)', 'docs/results/robustness_fmnist_lenet_30ep/report/data/setting_02_sizes.dat' using 1:4 with linespoints linetype 3 dashtype 1 pointtype 3 title 'kfac_laplace (weights_from=deep_ensemble_s0)', 'docs/results/robustness_fmnist_lenet_30ep/report/data/setting_03_sizes.dat' using 1:4 with linespoints linetype 4 dashtype 1 pointtype 4 title 'snapshot', 'docs/results/robustness_fmnist_lenet_30ep/report/data/setting_04_sizes.dat' using 1:4 with linespoints linetype 5 dashtype 1 pointtype 5 title 'fge (cycle_epochs=3)'
set ylabel 'DEE'
plot 'docs/results/robustness_fmnist_lenet_30ep/report/data/setting_00_sizes.dat' using 1:5 with linespoints linetype 1 dashtype 1 pointtype 1 title 'deep_ensemble', 'docs/results/robustness_fmnist_lenet_30ep/report/data/setting_01_sizes.dat' using 1:5 with linespoints linetype 2 dashtype 1 pointtype 2 title 'mc_dropout (weights_from=deep_ensemble_s0)', 'docs/results/robustness_fmnist_lenet_30ep/report/data/setting_02_sizes.dat' using 1:5 with linespoints linetype 3 dashtype 1 pointtype 3 title 'kfac_laplace (weights_from=deep_ensemble_s0)', 'docs/results/robustness_fmnist_lenet_30ep/report/data/setting_03_sizes.dat' using 1:5 with linespoints linetype 4 dashtype 1 pointtype 4 title 'snapshot', 'docs/results/robustness_fmnist_lenet_30ep/report/data/setting_04_sizes.dat' using 1:5 with linespoints linetype 5 dashtype 1 pointtype 5 title 'fge (cycle_epochs=3)'
unset multiplot
unset logscale x
set output 'docs/results/robustness_fmnist_lenet_30ep/report/training.svg'
set multiplot layout 2,1 title 'training (first seed of each setting)'
set xlabel 'epoch (all members and phases of the run, in order)'
set ylabel 'learning rate'
plot 'docs/results/robustness_fmnist_lenet_30ep/report/data/setting_00_training.dat' using 1:2 with steps linetype 1 dashtype 1 title 'deep_ensemble', 'docs/results/robustness_fmnist_lenet_30ep/report/data/setting_03_training.dat' using 1:2 with steps linetype 4 dashtype 1 title 'snapshot', 'docs/results/robustness_fmnist_lenet_30ep/report/data/setting_04_training.dat' using 1:2 with steps linetype 5 dashtype 1 title 'fge (cycle_epochs=3)'
set ylabel 'training loss'
set logscale y
plot 'docs/results/robustness_fmnist_lenet_30ep/report/data/setting_00_training.dat' using 1:3 with lines linetype 1 dashtype 1 title 'deep_ensemble', 'docs/results/robustness_fmnist_lenet_30ep/report/data/setting_03_training.dat' using 1:3 with lines linetype 4 dashtype 1 title 'snapshot', 'docs/results/robustness_fmnist_lenet_30ep/report/data/setting_04_training.dat' using 1:3 with lines linetype 5 dashtype 1 title 'fge (cycle_epochs=3)'
unset logscale y
unset multiplot
