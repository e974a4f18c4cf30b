# Written by //tools/report; rerun with: gnuplot plots.gp
set terminal pngcairo size 1800,1000 noenhanced
reset
set grid
unset key
set output 'docs/results/robustness_fmnist_lenet/report/metrics_vs_size.png'
set multiplot title 'metrics against ensemble size (mean over seeds)'
set logscale x 2
set xlabel 'ensemble size'
set origin 0.0000,0.4750
set size 0.5000,0.4750
set ylabel 'test error, %'
plot 'docs/results/robustness_fmnist_lenet/report/data/setting_00_sizes.dat' using 1:2 with linespoints linecolor rgb '#1f77b4' dashtype 1 pointtype 1 notitle
set origin 0.5000,0.4750
set size 0.5000,0.4750
set ylabel 'NLL'
plot 'docs/results/robustness_fmnist_lenet/report/data/setting_00_sizes.dat' using 1:3 with linespoints linecolor rgb '#1f77b4' dashtype 1 pointtype 1 notitle
set origin 0.0000,0.0000
set size 0.5000,0.4750
set ylabel 'calibrated NLL'
plot 'docs/results/robustness_fmnist_lenet/report/data/setting_00_sizes.dat' using 1:4 with linespoints linecolor rgb '#1f77b4' dashtype 1 pointtype 1 notitle
set origin 0.5000,0.0000
set size 0.5000,0.4750
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
plot 2 with linespoints linecolor rgb '#1f77b4' dashtype 1 pointtype 1 title 'deep_ensemble'
unset multiplot
reset
set grid
unset key
set output 'docs/results/robustness_fmnist_lenet/report/training.png'
set multiplot title 'training (first seed of each setting)'
set xlabel 'epoch (all members and phases of the run, in order)'
set origin 0.0000,0.4750
set size 0.7300,0.4750
set ylabel 'learning rate'
plot 'docs/results/robustness_fmnist_lenet/report/data/setting_00_training.dat' using 1:2 with steps linecolor rgb '#1f77b4' dashtype 1 notitle
set origin 0.0000,0.0000
set size 0.7300,0.4750
set ylabel 'training loss'
set logscale y
plot 'docs/results/robustness_fmnist_lenet/report/data/setting_00_training.dat' using 1:3 with lines linecolor rgb '#1f77b4' dashtype 1 notitle
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
plot 2 with lines linecolor rgb '#1f77b4' dashtype 1 title 'deep_ensemble'
unset multiplot
set terminal svg size 1800,1000 noenhanced dynamic
reset
set grid
unset key
set output 'docs/results/robustness_fmnist_lenet/report/metrics_vs_size.svg'
set multiplot title 'metrics against ensemble size (mean over seeds)'
set logscale x 2
set xlabel 'ensemble size'
set origin 0.0000,0.4750
set size 0.5000,0.4750
set ylabel 'test error, %'
plot 'docs/results/robustness_fmnist_lenet/report/data/setting_00_sizes.dat' using 1:2 with linespoints linecolor rgb '#1f77b4' dashtype 1 pointtype 1 notitle
set origin 0.5000,0.4750
set size 0.5000,0.4750
set ylabel 'NLL'
plot 'docs/results/robustness_fmnist_lenet/report/data/setting_00_sizes.dat' using 1:3 with linespoints linecolor rgb '#1f77b4' dashtype 1 pointtype 1 notitle
set origin 0.0000,0.0000
set size 0.5000,0.4750
set ylabel 'calibrated NLL'
plot 'docs/results/robustness_fmnist_lenet/report/data/setting_00_sizes.dat' using 1:4 with linespoints linecolor rgb '#1f77b4' dashtype 1 pointtype 1 notitle
set origin 0.5000,0.0000
set size 0.5000,0.4750
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
plot 2 with linespoints linecolor rgb '#1f77b4' dashtype 1 pointtype 1 title 'deep_ensemble'
unset multiplot
reset
set grid
unset key
set output 'docs/results/robustness_fmnist_lenet/report/training.svg'
set multiplot title 'training (first seed of each setting)'
set xlabel 'epoch (all members and phases of the run, in order)'
set origin 0.0000,0.4750
set size 0.7300,0.4750
set ylabel 'learning rate'
plot 'docs/results/robustness_fmnist_lenet/report/data/setting_00_training.dat' using 1:2 with steps linecolor rgb '#1f77b4' dashtype 1 notitle
set origin 0.0000,0.0000
set size 0.7300,0.4750
set ylabel 'training loss'
set logscale y
plot 'docs/results/robustness_fmnist_lenet/report/data/setting_00_training.dat' using 1:3 with lines linecolor rgb '#1f77b4' dashtype 1 notitle
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
plot 2 with lines linecolor rgb '#1f77b4' dashtype 1 title 'deep_ensemble'
unset multiplot
