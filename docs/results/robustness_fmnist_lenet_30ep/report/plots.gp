# Written by //tools/report; rerun with: gnuplot plots.gp
set terminal pngcairo size 1800,1000 noenhanced
reset
set grid
unset key
set output 'docs/results/robustness_fmnist_lenet_30ep/report/metrics_vs_size.png'
set multiplot title 'metrics against ensemble size (mean over seeds)'
set logscale x 2
set xlabel 'ensemble size'
set origin 0.0000,0.4750
set size 0.3650,0.4750
set ylabel 'test error, %'
plot 'docs/results/robustness_fmnist_lenet_30ep/report/data/setting_00_sizes.dat' using 1:2 with linespoints linecolor rgb '#1f77b4' dashtype 1 pointtype 1 notitle, 'docs/results/robustness_fmnist_lenet_30ep/report/data/setting_01_sizes.dat' using 1:2 with linespoints linecolor rgb '#ff7f0e' dashtype 1 pointtype 2 notitle, 'docs/results/robustness_fmnist_lenet_30ep/report/data/setting_02_sizes.dat' using 1:2 with linespoints linecolor rgb '#2ca02c' dashtype 1 pointtype 3 notitle, 'docs/results/robustness_fmnist_lenet_30ep/report/data/setting_03_sizes.dat' using 1:2 with linespoints linecolor rgb '#d62728' dashtype 1 pointtype 4 notitle, 'docs/results/robustness_fmnist_lenet_30ep/report/data/setting_04_sizes.dat' using 1:2 with linespoints linecolor rgb '#9467bd' dashtype 1 pointtype 5 notitle, 'docs/results/robustness_fmnist_lenet_30ep/report/data/setting_05_sizes.dat' using 1:2 with linespoints linecolor rgb '#8c564b' dashtype 1 pointtype 6 notitle, 'docs/results/robustness_fmnist_lenet_30ep/report/data/setting_06_sizes.dat' using 1:2 with linespoints linecolor rgb '#e377c2' dashtype 1 pointtype 8 notitle, 'docs/results/robustness_fmnist_lenet_30ep/report/data/setting_07_sizes.dat' using 1:2 with linespoints linecolor rgb '#7f7f7f' dashtype 1 pointtype 9 notitle, 'docs/results/robustness_fmnist_lenet_30ep/report/data/setting_08_sizes.dat' using 1:2 with linespoints linecolor rgb '#bcbd22' dashtype 1 pointtype 10 notitle, 'docs/results/robustness_fmnist_lenet_30ep/report/data/setting_09_sizes.dat' using 1:2 with linespoints linecolor rgb '#17becf' dashtype 1 pointtype 11 notitle, 'docs/results/robustness_fmnist_lenet_30ep/report/data/setting_10_sizes.dat' using 1:2 with linespoints linecolor rgb '#393b79' dashtype 1 pointtype 12 notitle
set origin 0.3650,0.4750
set size 0.3650,0.4750
set ylabel 'NLL'
plot 'docs/results/robustness_fmnist_lenet_30ep/report/data/setting_00_sizes.dat' using 1:3 with linespoints linecolor rgb '#1f77b4' dashtype 1 pointtype 1 notitle, 'docs/results/robustness_fmnist_lenet_30ep/report/data/setting_01_sizes.dat' using 1:3 with linespoints linecolor rgb '#ff7f0e' dashtype 1 pointtype 2 notitle, 'docs/results/robustness_fmnist_lenet_30ep/report/data/setting_02_sizes.dat' using 1:3 with linespoints linecolor rgb '#2ca02c' dashtype 1 pointtype 3 notitle, 'docs/results/robustness_fmnist_lenet_30ep/report/data/setting_03_sizes.dat' using 1:3 with linespoints linecolor rgb '#d62728' dashtype 1 pointtype 4 notitle, 'docs/results/robustness_fmnist_lenet_30ep/report/data/setting_04_sizes.dat' using 1:3 with linespoints linecolor rgb '#9467bd' dashtype 1 pointtype 5 notitle, 'docs/results/robustness_fmnist_lenet_30ep/report/data/setting_05_sizes.dat' using 1:3 with linespoints linecolor rgb '#8c564b' dashtype 1 pointtype 6 notitle, 'docs/results/robustness_fmnist_lenet_30ep/report/data/setting_06_sizes.dat' using 1:3 with linespoints linecolor rgb '#e377c2' dashtype 1 pointtype 8 notitle, 'docs/results/robustness_fmnist_lenet_30ep/report/data/setting_07_sizes.dat' using 1:3 with linespoints linecolor rgb '#7f7f7f' dashtype 1 pointtype 9 notitle, 'docs/results/robustness_fmnist_lenet_30ep/report/data/setting_08_sizes.dat' using 1:3 with linespoints linecolor rgb '#bcbd22' dashtype 1 pointtype 10 notitle, 'docs/results/robustness_fmnist_lenet_30ep/report/data/setting_09_sizes.dat' using 1:3 with linespoints linecolor rgb '#17becf' dashtype 1 pointtype 11 notitle, 'docs/results/robustness_fmnist_lenet_30ep/report/data/setting_10_sizes.dat' using 1:3 with linespoints linecolor rgb '#393b79' dashtype 1 pointtype 12 notitle
set origin 0.0000,0.0000
set size 0.3650,0.4750
set ylabel 'calibrated NLL'
plot 'docs/results/robustness_fmnist_lenet_30ep/report/data/setting_00_sizes.dat' using 1:4 with linespoints linecolor rgb '#1f77b4' dashtype 1 pointtype 1 notitle, 'docs/results/robustness_fmnist_lenet_30ep/report/data/setting_01_sizes.dat' using 1:4 with linespoints linecolor rgb '#ff7f0e' dashtype 1 pointtype 2 notitle, 'docs/results/robustness_fmnist_lenet_30ep/report/data/setting_02_sizes.dat' using 1:4 with linespoints linecolor rgb '#2ca02c' dashtype 1 pointtype 3 notitle, 'docs/results/robustness_fmnist_lenet_30ep/report/data/setting_03_sizes.dat' using 1:4 with linespoints linecolor rgb '#d62728' dashtype 1 pointtype 4 notitle, 'docs/results/robustness_fmnist_lenet_30ep/report/data/setting_04_sizes.dat' using 1:4 with linespoints linecolor rgb '#9467bd' dashtype 1 pointtype 5 notitle, 'docs/results/robustness_fmnist_lenet_30ep/report/data/setting_05_sizes.dat' using 1:4 with linespoints linecolor rgb '#8c564b' dashtype 1 pointtype 6 notitle, 'docs/results/robustness_fmnist_lenet_30ep/report/data/setting_06_sizes.dat' using 1:4 with linespoints linecolor rgb '#e377c2' dashtype 1 pointtype 8 notitle, 'docs/results/robustness_fmnist_lenet_30ep/report/data/setting_07_sizes.dat' using 1:4 with linespoints linecolor rgb '#7f7f7f' dashtype 1 pointtype 9 notitle, 'docs/results/robustness_fmnist_lenet_30ep/report/data/setting_08_sizes.dat' using 1:4 with linespoints linecolor rgb '#bcbd22' dashtype 1 pointtype 10 notitle, 'docs/results/robustness_fmnist_lenet_30ep/report/data/setting_09_sizes.dat' using 1:4 with linespoints linecolor rgb '#17becf' dashtype 1 pointtype 11 notitle, 'docs/results/robustness_fmnist_lenet_30ep/report/data/setting_10_sizes.dat' using 1:4 with linespoints linecolor rgb '#393b79' dashtype 1 pointtype 12 notitle
set origin 0.3650,0.0000
set size 0.3650,0.4750
set ylabel 'DEE'
plot 'docs/results/robustness_fmnist_lenet_30ep/report/data/setting_00_sizes.dat' using 1:5 with linespoints linecolor rgb '#1f77b4' dashtype 1 pointtype 1 notitle, 'docs/results/robustness_fmnist_lenet_30ep/report/data/setting_01_sizes.dat' using 1:5 with linespoints linecolor rgb '#ff7f0e' dashtype 1 pointtype 2 notitle, 'docs/results/robustness_fmnist_lenet_30ep/report/data/setting_02_sizes.dat' using 1:5 with linespoints linecolor rgb '#2ca02c' dashtype 1 pointtype 3 notitle, 'docs/results/robustness_fmnist_lenet_30ep/report/data/setting_03_sizes.dat' using 1:5 with linespoints linecolor rgb '#d62728' dashtype 1 pointtype 4 notitle, 'docs/results/robustness_fmnist_lenet_30ep/report/data/setting_04_sizes.dat' using 1:5 with linespoints linecolor rgb '#9467bd' dashtype 1 pointtype 5 notitle, 'docs/results/robustness_fmnist_lenet_30ep/report/data/setting_05_sizes.dat' using 1:5 with linespoints linecolor rgb '#8c564b' dashtype 1 pointtype 6 notitle, 'docs/results/robustness_fmnist_lenet_30ep/report/data/setting_06_sizes.dat' using 1:5 with linespoints linecolor rgb '#e377c2' dashtype 1 pointtype 8 notitle, 'docs/results/robustness_fmnist_lenet_30ep/report/data/setting_07_sizes.dat' using 1:5 with linespoints linecolor rgb '#7f7f7f' dashtype 1 pointtype 9 notitle, 'docs/results/robustness_fmnist_lenet_30ep/report/data/setting_08_sizes.dat' using 1:5 with linespoints linecolor rgb '#bcbd22' dashtype 1 pointtype 10 notitle, 'docs/results/robustness_fmnist_lenet_30ep/report/data/setting_09_sizes.dat' using 1:5 with linespoints linecolor rgb '#17becf' dashtype 1 pointtype 11 notitle, 'docs/results/robustness_fmnist_lenet_30ep/report/data/setting_10_sizes.dat' using 1:5 with linespoints linecolor rgb '#393b79' dashtype 1 pointtype 12 notitle
set origin 0.7300,0
set size 0.2700,0.9500
unset title
unset border
unset tics
unset grid
unset xlabel
unset ylabel
unset logscale
set xrange [0:1]
set yrange [0:1]
set key inside left top Left reverse samplen 3 spacing 1.1 font ',10'
plot 2 with linespoints linecolor rgb '#1f77b4' dashtype 1 pointtype 1 title 'deep_ensemble', 2 with linespoints linecolor rgb '#ff7f0e' dashtype 1 pointtype 2 title 'combine (runs=deep_ensemble_s0:', 2 with lines linetype nodraw title '  deep_ensemble_s1), mean of 20 member orders', 2 with linespoints linecolor rgb '#2ca02c' dashtype 1 pointtype 3 title 'mc_dropout (weights_from=deep_ensemble_s0)', 2 with linespoints linecolor rgb '#d62728' dashtype 1 pointtype 4 title 'kfac_laplace (weights_from=deep_ensemble_s0)', 2 with linespoints linecolor rgb '#9467bd' dashtype 1 pointtype 5 title 'snapshot', 2 with linespoints linecolor rgb '#8c564b' dashtype 1 pointtype 6 title 'fge (cycle_epochs=3)', 2 with linespoints linecolor rgb '#e377c2' dashtype 1 pointtype 8 title 'swag', 2 with linespoints linecolor rgb '#7f7f7f' dashtype 1 pointtype 9 title 'csgld (lr0=0.1)', 2 with linespoints linecolor rgb '#bcbd22' dashtype 1 pointtype 10 title 'masksembles', 2 with linespoints linecolor rgb '#17becf' dashtype 1 pointtype 11 title 'packed_ensembles', 2 with linespoints linecolor rgb '#393b79' dashtype 1 pointtype 12 title 'mimo'
unset multiplot
reset
set grid
unset key
set output 'docs/results/robustness_fmnist_lenet_30ep/report/training.png'
set multiplot title 'training (first seed of each setting)'
set xlabel 'epoch (all members and phases of the run, in order)'
set origin 0.0000,0.4750
set size 0.7300,0.4750
set ylabel 'learning rate'
plot 'docs/results/robustness_fmnist_lenet_30ep/report/data/setting_00_training.dat' using 1:2 with steps linecolor rgb '#1f77b4' dashtype 1 notitle, 'docs/results/robustness_fmnist_lenet_30ep/report/data/setting_04_training.dat' using 1:2 with steps linecolor rgb '#9467bd' dashtype 1 notitle, 'docs/results/robustness_fmnist_lenet_30ep/report/data/setting_05_training.dat' using 1:2 with steps linecolor rgb '#8c564b' dashtype 1 notitle, 'docs/results/robustness_fmnist_lenet_30ep/report/data/setting_06_training.dat' using 1:2 with steps linecolor rgb '#e377c2' dashtype 1 notitle, 'docs/results/robustness_fmnist_lenet_30ep/report/data/setting_07_training.dat' using 1:2 with steps linecolor rgb '#7f7f7f' dashtype 1 notitle, 'docs/results/robustness_fmnist_lenet_30ep/report/data/setting_08_training.dat' using 1:2 with steps linecolor rgb '#bcbd22' dashtype 1 notitle, 'docs/results/robustness_fmnist_lenet_30ep/report/data/setting_09_training.dat' using 1:2 with steps linecolor rgb '#17becf' dashtype 1 notitle, 'docs/results/robustness_fmnist_lenet_30ep/report/data/setting_10_training.dat' using 1:2 with steps linecolor rgb '#393b79' dashtype 1 notitle
set origin 0.0000,0.0000
set size 0.7300,0.4750
set ylabel 'training loss'
set logscale y
plot 'docs/results/robustness_fmnist_lenet_30ep/report/data/setting_00_training.dat' using 1:3 with lines linecolor rgb '#1f77b4' dashtype 1 notitle, 'docs/results/robustness_fmnist_lenet_30ep/report/data/setting_04_training.dat' using 1:3 with lines linecolor rgb '#9467bd' dashtype 1 notitle, 'docs/results/robustness_fmnist_lenet_30ep/report/data/setting_05_training.dat' using 1:3 with lines linecolor rgb '#8c564b' dashtype 1 notitle, 'docs/results/robustness_fmnist_lenet_30ep/report/data/setting_06_training.dat' using 1:3 with lines linecolor rgb '#e377c2' dashtype 1 notitle, 'docs/results/robustness_fmnist_lenet_30ep/report/data/setting_07_training.dat' using 1:3 with lines linecolor rgb '#7f7f7f' dashtype 1 notitle, 'docs/results/robustness_fmnist_lenet_30ep/report/data/setting_08_training.dat' using 1:3 with lines linecolor rgb '#bcbd22' dashtype 1 notitle, 'docs/results/robustness_fmnist_lenet_30ep/report/data/setting_09_training.dat' using 1:3 with lines linecolor rgb '#17becf' dashtype 1 notitle, 'docs/results/robustness_fmnist_lenet_30ep/report/data/setting_10_training.dat' using 1:3 with lines linecolor rgb '#393b79' dashtype 1 notitle
set origin 0.7300,0
set size 0.2700,0.9500
unset title
unset border
unset tics
unset grid
unset xlabel
unset ylabel
unset logscale
set xrange [0:1]
set yrange [0:1]
set key inside left top Left reverse samplen 3 spacing 1.1 font ',10'
plot 2 with lines linecolor rgb '#1f77b4' dashtype 1 title 'deep_ensemble', 2 with lines linecolor rgb '#9467bd' dashtype 1 title 'snapshot', 2 with lines linecolor rgb '#8c564b' dashtype 1 title 'fge (cycle_epochs=3)', 2 with lines linecolor rgb '#e377c2' dashtype 1 title 'swag', 2 with lines linecolor rgb '#7f7f7f' dashtype 1 title 'csgld (lr0=0.1)', 2 with lines linecolor rgb '#bcbd22' dashtype 1 title 'masksembles', 2 with lines linecolor rgb '#17becf' dashtype 1 title 'packed_ensembles', 2 with lines linecolor rgb '#393b79' dashtype 1 title 'mimo'
unset multiplot
set terminal svg size 1800,1000 noenhanced dynamic
reset
set grid
unset key
set output 'docs/results/robustness_fmnist_lenet_30ep/report/metrics_vs_size.svg'
set multiplot title 'metrics against ensemble size (mean over seeds)'
set logscale x 2
set xlabel 'ensemble size'
set origin 0.0000,0.4750
set size 0.3650,0.4750
set ylabel 'test error, %'
plot 'docs/results/robustness_fmnist_lenet_30ep/report/data/setting_00_sizes.dat' using 1:2 with linespoints linecolor rgb '#1f77b4' dashtype 1 pointtype 1 notitle, 'docs/results/robustness_fmnist_lenet_30ep/report/data/setting_01_sizes.dat' using 1:2 with linespoints linecolor rgb '#ff7f0e' dashtype 1 pointtype 2 notitle, 'docs/results/robustness_fmnist_lenet_30ep/report/data/setting_02_sizes.dat' using 1:2 with linespoints linecolor rgb '#2ca02c' dashtype 1 pointtype 3 notitle, 'docs/results/robustness_fmnist_lenet_30ep/report/data/setting_03_sizes.dat' using 1:2 with linespoints linecolor rgb '#d62728' dashtype 1 pointtype 4 notitle, 'docs/results/robustness_fmnist_lenet_30ep/report/data/setting_04_sizes.dat' using 1:2 with linespoints linecolor rgb '#9467bd' dashtype 1 pointtype 5 notitle, 'docs/results/robustness_fmnist_lenet_30ep/report/data/setting_05_sizes.dat' using 1:2 with linespoints linecolor rgb '#8c564b' dashtype 1 pointtype 6 notitle, 'docs/results/robustness_fmnist_lenet_30ep/report/data/setting_06_sizes.dat' using 1:2 with linespoints linecolor rgb '#e377c2' dashtype 1 pointtype 8 notitle, 'docs/results/robustness_fmnist_lenet_30ep/report/data/setting_07_sizes.dat' using 1:2 with linespoints linecolor rgb '#7f7f7f' dashtype 1 pointtype 9 notitle, 'docs/results/robustness_fmnist_lenet_30ep/report/data/setting_08_sizes.dat' using 1:2 with linespoints linecolor rgb '#bcbd22' dashtype 1 pointtype 10 notitle, 'docs/results/robustness_fmnist_lenet_30ep/report/data/setting_09_sizes.dat' using 1:2 with linespoints linecolor rgb '#17becf' dashtype 1 pointtype 11 notitle, 'docs/results/robustness_fmnist_lenet_30ep/report/data/setting_10_sizes.dat' using 1:2 with linespoints linecolor rgb '#393b79' dashtype 1 pointtype 12 notitle
set origin 0.3650,0.4750
set size 0.3650,0.4750
set ylabel 'NLL'
plot 'docs/results/robustness_fmnist_lenet_30ep/report/data/setting_00_sizes.dat' using 1:3 with linespoints linecolor rgb '#1f77b4' dashtype 1 pointtype 1 notitle, 'docs/results/robustness_fmnist_lenet_30ep/report/data/setting_01_sizes.dat' using 1:3 with linespoints linecolor rgb '#ff7f0e' dashtype 1 pointtype 2 notitle, 'docs/results/robustness_fmnist_lenet_30ep/report/data/setting_02_sizes.dat' using 1:3 with linespoints linecolor rgb '#2ca02c' dashtype 1 pointtype 3 notitle, 'docs/results/robustness_fmnist_lenet_30ep/report/data/setting_03_sizes.dat' using 1:3 with linespoints linecolor rgb '#d62728' dashtype 1 pointtype 4 notitle, 'docs/results/robustness_fmnist_lenet_30ep/report/data/setting_04_sizes.dat' using 1:3 with linespoints linecolor rgb '#9467bd' dashtype 1 pointtype 5 notitle, 'docs/results/robustness_fmnist_lenet_30ep/report/data/setting_05_sizes.dat' using 1:3 with linespoints linecolor rgb '#8c564b' dashtype 1 pointtype 6 notitle, 'docs/results/robustness_fmnist_lenet_30ep/report/data/setting_06_sizes.dat' using 1:3 with linespoints linecolor rgb '#e377c2' dashtype 1 pointtype 8 notitle, 'docs/results/robustness_fmnist_lenet_30ep/report/data/setting_07_sizes.dat' using 1:3 with linespoints linecolor rgb '#7f7f7f' dashtype 1 pointtype 9 notitle, 'docs/results/robustness_fmnist_lenet_30ep/report/data/setting_08_sizes.dat' using 1:3 with linespoints linecolor rgb '#bcbd22' dashtype 1 pointtype 10 notitle, 'docs/results/robustness_fmnist_lenet_30ep/report/data/setting_09_sizes.dat' using 1:3 with linespoints linecolor rgb '#17becf' dashtype 1 pointtype 11 notitle, 'docs/results/robustness_fmnist_lenet_30ep/report/data/setting_10_sizes.dat' using 1:3 with linespoints linecolor rgb '#393b79' dashtype 1 pointtype 12 notitle
set origin 0.0000,0.0000
set size 0.3650,0.4750
set ylabel 'calibrated NLL'
plot 'docs/results/robustness_fmnist_lenet_30ep/report/data/setting_00_sizes.dat' using 1:4 with linespoints linecolor rgb '#1f77b4' dashtype 1 pointtype 1 notitle, 'docs/results/robustness_fmnist_lenet_30ep/report/data/setting_01_sizes.dat' using 1:4 with linespoints linecolor rgb '#ff7f0e' dashtype 1 pointtype 2 notitle, 'docs/results/robustness_fmnist_lenet_30ep/report/data/setting_02_sizes.dat' using 1:4 with linespoints linecolor rgb '#2ca02c' dashtype 1 pointtype 3 notitle, 'docs/results/robustness_fmnist_lenet_30ep/report/data/setting_03_sizes.dat' using 1:4 with linespoints linecolor rgb '#d62728' dashtype 1 pointtype 4 notitle, 'docs/results/robustness_fmnist_lenet_30ep/report/data/setting_04_sizes.dat' using 1:4 with linespoints linecolor rgb '#9467bd' dashtype 1 pointtype 5 notitle, 'docs/results/robustness_fmnist_lenet_30ep/report/data/setting_05_sizes.dat' using 1:4 with linespoints linecolor rgb '#8c564b' dashtype 1 pointtype 6 notitle, 'docs/results/robustness_fmnist_lenet_30ep/report/data/setting_06_sizes.dat' using 1:4 with linespoints linecolor rgb '#e377c2' dashtype 1 pointtype 8 notitle, 'docs/results/robustness_fmnist_lenet_30ep/report/data/setting_07_sizes.dat' using 1:4 with linespoints linecolor rgb '#7f7f7f' dashtype 1 pointtype 9 notitle, 'docs/results/robustness_fmnist_lenet_30ep/report/data/setting_08_sizes.dat' using 1:4 with linespoints linecolor rgb '#bcbd22' dashtype 1 pointtype 10 notitle, 'docs/results/robustness_fmnist_lenet_30ep/report/data/setting_09_sizes.dat' using 1:4 with linespoints linecolor rgb '#17becf' dashtype 1 pointtype 11 notitle, 'docs/results/robustness_fmnist_lenet_30ep/report/data/setting_10_sizes.dat' using 1:4 with linespoints linecolor rgb '#393b79' dashtype 1 pointtype 12 notitle
set origin 0.3650,0.0000
set size 0.3650,0.4750
set ylabel 'DEE'
plot 'docs/results/robustness_fmnist_lenet_30ep/report/data/setting_00_sizes.dat' using 1:5 with linespoints linecolor rgb '#1f77b4' dashtype 1 pointtype 1 notitle, 'docs/results/robustness_fmnist_lenet_30ep/report/data/setting_01_sizes.dat' using 1:5 with linespoints linecolor rgb '#ff7f0e' dashtype 1 pointtype 2 notitle, 'docs/results/robustness_fmnist_lenet_30ep/report/data/setting_02_sizes.dat' using 1:5 with linespoints linecolor rgb '#2ca02c' dashtype 1 pointtype 3 notitle, 'docs/results/robustness_fmnist_lenet_30ep/report/data/setting_03_sizes.dat' using 1:5 with linespoints linecolor rgb '#d62728' dashtype 1 pointtype 4 notitle, 'docs/results/robustness_fmnist_lenet_30ep/report/data/setting_04_sizes.dat' using 1:5 with linespoints linecolor rgb '#9467bd' dashtype 1 pointtype 5 notitle, 'docs/results/robustness_fmnist_lenet_30ep/report/data/setting_05_sizes.dat' using 1:5 with linespoints linecolor rgb '#8c564b' dashtype 1 pointtype 6 notitle, 'docs/results/robustness_fmnist_lenet_30ep/report/data/setting_06_sizes.dat' using 1:5 with linespoints linecolor rgb '#e377c2' dashtype 1 pointtype 8 notitle, 'docs/results/robustness_fmnist_lenet_30ep/report/data/setting_07_sizes.dat' using 1:5 with linespoints linecolor rgb '#7f7f7f' dashtype 1 pointtype 9 notitle, 'docs/results/robustness_fmnist_lenet_30ep/report/data/setting_08_sizes.dat' using 1:5 with linespoints linecolor rgb '#bcbd22' dashtype 1 pointtype 10 notitle, 'docs/results/robustness_fmnist_lenet_30ep/report/data/setting_09_sizes.dat' using 1:5 with linespoints linecolor rgb '#17becf' dashtype 1 pointtype 11 notitle, 'docs/results/robustness_fmnist_lenet_30ep/report/data/setting_10_sizes.dat' using 1:5 with linespoints linecolor rgb '#393b79' dashtype 1 pointtype 12 notitle
set origin 0.7300,0
set size 0.2700,0.9500
unset title
unset border
unset tics
unset grid
unset xlabel
unset ylabel
unset logscale
set xrange [0:1]
set yrange [0:1]
set key inside left top Left reverse samplen 3 spacing 1.1 font ',10'
plot 2 with linespoints linecolor rgb '#1f77b4' dashtype 1 pointtype 1 title 'deep_ensemble', 2 with linespoints linecolor rgb '#ff7f0e' dashtype 1 pointtype 2 title 'combine (runs=deep_ensemble_s0:', 2 with lines linetype nodraw title '  deep_ensemble_s1), mean of 20 member orders', 2 with linespoints linecolor rgb '#2ca02c' dashtype 1 pointtype 3 title 'mc_dropout (weights_from=deep_ensemble_s0)', 2 with linespoints linecolor rgb '#d62728' dashtype 1 pointtype 4 title 'kfac_laplace (weights_from=deep_ensemble_s0)', 2 with linespoints linecolor rgb '#9467bd' dashtype 1 pointtype 5 title 'snapshot', 2 with linespoints linecolor rgb '#8c564b' dashtype 1 pointtype 6 title 'fge (cycle_epochs=3)', 2 with linespoints linecolor rgb '#e377c2' dashtype 1 pointtype 8 title 'swag', 2 with linespoints linecolor rgb '#7f7f7f' dashtype 1 pointtype 9 title 'csgld (lr0=0.1)', 2 with linespoints linecolor rgb '#bcbd22' dashtype 1 pointtype 10 title 'masksembles', 2 with linespoints linecolor rgb '#17becf' dashtype 1 pointtype 11 title 'packed_ensembles', 2 with linespoints linecolor rgb '#393b79' dashtype 1 pointtype 12 title 'mimo'
unset multiplot
reset
set grid
unset key
set output 'docs/results/robustness_fmnist_lenet_30ep/report/training.svg'
set multiplot title 'training (first seed of each setting)'
set xlabel 'epoch (all members and phases of the run, in order)'
set origin 0.0000,0.4750
set size 0.7300,0.4750
set ylabel 'learning rate'
plot 'docs/results/robustness_fmnist_lenet_30ep/report/data/setting_00_training.dat' using 1:2 with steps linecolor rgb '#1f77b4' dashtype 1 notitle, 'docs/results/robustness_fmnist_lenet_30ep/report/data/setting_04_training.dat' using 1:2 with steps linecolor rgb '#9467bd' dashtype 1 notitle, 'docs/results/robustness_fmnist_lenet_30ep/report/data/setting_05_training.dat' using 1:2 with steps linecolor rgb '#8c564b' dashtype 1 notitle, 'docs/results/robustness_fmnist_lenet_30ep/report/data/setting_06_training.dat' using 1:2 with steps linecolor rgb '#e377c2' dashtype 1 notitle, 'docs/results/robustness_fmnist_lenet_30ep/report/data/setting_07_training.dat' using 1:2 with steps linecolor rgb '#7f7f7f' dashtype 1 notitle, 'docs/results/robustness_fmnist_lenet_30ep/report/data/setting_08_training.dat' using 1:2 with steps linecolor rgb '#bcbd22' dashtype 1 notitle, 'docs/results/robustness_fmnist_lenet_30ep/report/data/setting_09_training.dat' using 1:2 with steps linecolor rgb '#17becf' dashtype 1 notitle, 'docs/results/robustness_fmnist_lenet_30ep/report/data/setting_10_training.dat' using 1:2 with steps linecolor rgb '#393b79' dashtype 1 notitle
set origin 0.0000,0.0000
set size 0.7300,0.4750
set ylabel 'training loss'
set logscale y
plot 'docs/results/robustness_fmnist_lenet_30ep/report/data/setting_00_training.dat' using 1:3 with lines linecolor rgb '#1f77b4' dashtype 1 notitle, 'docs/results/robustness_fmnist_lenet_30ep/report/data/setting_04_training.dat' using 1:3 with lines linecolor rgb '#9467bd' dashtype 1 notitle, 'docs/results/robustness_fmnist_lenet_30ep/report/data/setting_05_training.dat' using 1:3 with lines linecolor rgb '#8c564b' dashtype 1 notitle, 'docs/results/robustness_fmnist_lenet_30ep/report/data/setting_06_training.dat' using 1:3 with lines linecolor rgb '#e377c2' dashtype 1 notitle, 'docs/results/robustness_fmnist_lenet_30ep/report/data/setting_07_training.dat' using 1:3 with lines linecolor rgb '#7f7f7f' dashtype 1 notitle, 'docs/results/robustness_fmnist_lenet_30ep/report/data/setting_08_training.dat' using 1:3 with lines linecolor rgb '#bcbd22' dashtype 1 notitle, 'docs/results/robustness_fmnist_lenet_30ep/report/data/setting_09_training.dat' using 1:3 with lines linecolor rgb '#17becf' dashtype 1 notitle, 'docs/results/robustness_fmnist_lenet_30ep/report/data/setting_10_training.dat' using 1:3 with lines linecolor rgb '#393b79' dashtype 1 notitle
set origin 0.7300,0
set size 0.2700,0.9500
unset title
unset border
unset tics
unset grid
unset xlabel
unset ylabel
unset logscale
set xrange [0:1]
set yrange [0:1]
set key inside left top Left reverse samplen 3 spacing 1.1 font ',10'
plot 2 with lines linecolor rgb '#1f77b4' dashtype 1 title 'deep_ensemble', 2 with lines linecolor rgb '#9467bd' dashtype 1 title 'snapshot', 2 with lines linecolor rgb '#8c564b' dashtype 1 title 'fge (cycle_epochs=3)', 2 with lines linecolor rgb '#e377c2' dashtype 1 title 'swag', 2 with lines linecolor rgb '#7f7f7f' dashtype 1 title 'csgld (lr0=0.1)', 2 with lines linecolor rgb '#bcbd22' dashtype 1 title 'masksembles', 2 with lines linecolor rgb '#17becf' dashtype 1 title 'packed_ensembles', 2 with lines linecolor rgb '#393b79' dashtype 1 title 'mimo'
unset multiplot
