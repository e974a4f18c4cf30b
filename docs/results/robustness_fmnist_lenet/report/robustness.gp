# Written by //tools/report; rerun with: gnuplot robustness.gp
set terminal pngcairo size 1800,1000 noenhanced
reset
set grid
unset key
set output 'docs/results/robustness_fmnist_lenet/report/shift_vs_severity.png'
set multiplot title 'under shift, over corruptions: median (points on lines), quartiles (bars), mean (dots); settings side by side at each severity; severity 0 = clean'
set xlabel 'severity'
set xrange [-0.5:5.5]
set xtics 0,1,5
set bars small
set origin 0.0000,0.4750
set size 0.3333,0.4750
set ylabel 'error, %'
plot 'docs/results/robustness_fmnist_lenet/report/data/setting_00_shift.dat' using ($1+0.0000):3:4:5 with yerrorlines linecolor rgb '#1f77b4' dashtype 1 pointtype 1 notitle, 'docs/results/robustness_fmnist_lenet/report/data/setting_00_shift.dat' using ($1+0.0000):2 with points linecolor rgb '#1f77b4' dashtype 1 pointtype 7 pointsize 0.5 notitle
set origin 0.3333,0.4750
set size 0.3333,0.4750
set ylabel 'NLL'
plot 'docs/results/robustness_fmnist_lenet/report/data/setting_00_shift.dat' using ($1+0.0000):7:8:9 with yerrorlines linecolor rgb '#1f77b4' dashtype 1 pointtype 1 notitle, 'docs/results/robustness_fmnist_lenet/report/data/setting_00_shift.dat' using ($1+0.0000):6 with points linecolor rgb '#1f77b4' dashtype 1 pointtype 7 pointsize 0.5 notitle
set origin 0.6667,0.4750
set size 0.3333,0.4750
set ylabel 'NLL at the clean temperature'
plot 'docs/results/robustness_fmnist_lenet/report/data/setting_00_shift.dat' using ($1+0.0000):11:12:13 with yerrorlines linecolor rgb '#1f77b4' dashtype 1 pointtype 1 notitle, 'docs/results/robustness_fmnist_lenet/report/data/setting_00_shift.dat' using ($1+0.0000):10 with points linecolor rgb '#1f77b4' dashtype 1 pointtype 7 pointsize 0.5 notitle
set origin 0.0000,0.0000
set size 0.3333,0.4750
set ylabel 'calibrated NLL (cv on the set)'
plot 'docs/results/robustness_fmnist_lenet/report/data/setting_00_shift.dat' using ($1+0.0000):15:16:17 with yerrorlines linecolor rgb '#1f77b4' dashtype 1 pointtype 1 notitle, 'docs/results/robustness_fmnist_lenet/report/data/setting_00_shift.dat' using ($1+0.0000):14 with points linecolor rgb '#1f77b4' dashtype 1 pointtype 7 pointsize 0.5 notitle
set origin 0.3333,0.0000
set size 0.3333,0.4750
set ylabel 'ECE'
plot 'docs/results/robustness_fmnist_lenet/report/data/setting_00_shift.dat' using ($1+0.0000):19:20:21 with yerrorlines linecolor rgb '#1f77b4' dashtype 1 pointtype 1 notitle, 'docs/results/robustness_fmnist_lenet/report/data/setting_00_shift.dat' using ($1+0.0000):18 with points linecolor rgb '#1f77b4' dashtype 1 pointtype 7 pointsize 0.5 notitle
set origin 0.6667,0.0000
set size 0.3333,0.4750
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
plot 2 with linespoints linecolor rgb '#1f77b4' dashtype 1 pointtype 1 title 'deep_ensemble', 2 with points linecolor rgb '#000000' pointtype 7 pointsize 0.5 title 'mean over corruptions'
unset multiplot
reset
set grid
unset key
set output 'docs/results/robustness_fmnist_lenet/report/ood_auroc_vs_size.png'
set multiplot title 'OOD AUROC against ensemble size (mean over seeds): entropy solid, mutual information dashed (from two members: one has none)'
set xlabel 'ensemble size'
set ylabel 'AUROC'
set origin 0.0000,0.4750
set size 0.3333,0.4750
set title 'flipped'
plot 'docs/results/robustness_fmnist_lenet/report/data/setting_00_ood_flipped_entropy.dat' using 1:2 with linespoints linecolor rgb '#1f77b4' dashtype 1 pointtype 1 notitle, 'docs/results/robustness_fmnist_lenet/report/data/setting_00_ood_flipped_mutual_information.dat' using 1:2 with linespoints linecolor rgb '#1f77b4' dashtype 2 pointtype 1 notitle
set origin 0.3333,0.4750
set size 0.3333,0.4750
set title 'gaussian'
plot 'docs/results/robustness_fmnist_lenet/report/data/setting_00_ood_gaussian_entropy.dat' using 1:2 with linespoints linecolor rgb '#1f77b4' dashtype 1 pointtype 1 notitle, 'docs/results/robustness_fmnist_lenet/report/data/setting_00_ood_gaussian_mutual_information.dat' using 1:2 with linespoints linecolor rgb '#1f77b4' dashtype 2 pointtype 1 notitle
set origin 0.6667,0.4750
set size 0.3333,0.4750
set title 'mnist'
plot 'docs/results/robustness_fmnist_lenet/report/data/setting_00_ood_mnist_entropy.dat' using 1:2 with linespoints linecolor rgb '#1f77b4' dashtype 1 pointtype 1 notitle, 'docs/results/robustness_fmnist_lenet/report/data/setting_00_ood_mnist_mutual_information.dat' using 1:2 with linespoints linecolor rgb '#1f77b4' dashtype 2 pointtype 1 notitle
set origin 0.0000,0.0000
set size 0.3333,0.4750
set title 'rotated'
plot 'docs/results/robustness_fmnist_lenet/report/data/setting_00_ood_rotated_entropy.dat' using 1:2 with linespoints linecolor rgb '#1f77b4' dashtype 1 pointtype 1 notitle, 'docs/results/robustness_fmnist_lenet/report/data/setting_00_ood_rotated_mutual_information.dat' using 1:2 with linespoints linecolor rgb '#1f77b4' dashtype 2 pointtype 1 notitle
set origin 0.3333,0.0000
set size 0.3333,0.4750
set title 'uniform'
plot 'docs/results/robustness_fmnist_lenet/report/data/setting_00_ood_uniform_entropy.dat' using 1:2 with linespoints linecolor rgb '#1f77b4' dashtype 1 pointtype 1 notitle, 'docs/results/robustness_fmnist_lenet/report/data/setting_00_ood_uniform_mutual_information.dat' using 1:2 with linespoints linecolor rgb '#1f77b4' dashtype 2 pointtype 1 notitle
set origin 0.6667,0.0000
set size 0.3333,0.4750
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
plot 2 with linespoints linecolor rgb '#1f77b4' dashtype 1 pointtype 1 title 'deep_ensemble', 2 with lines linecolor rgb '#000000' dashtype 1 title 'entropy', 2 with lines linecolor rgb '#000000' dashtype 2 title 'mutual information'
unset multiplot
set terminal svg size 1800,1000 noenhanced dynamic
reset
set grid
unset key
set output 'docs/results/robustness_fmnist_lenet/report/shift_vs_severity.svg'
set multiplot title 'under shift, over corruptions: median (points on lines), quartiles (bars), mean (dots); settings side by side at each severity; severity 0 = clean'
set xlabel 'severity'
set xrange [-0.5:5.5]
set xtics 0,1,5
set bars small
set origin 0.0000,0.4750
set size 0.3333,0.4750
set ylabel 'error, %'
plot 'docs/results/robustness_fmnist_lenet/report/data/setting_00_shift.dat' using ($1+0.0000):3:4:5 with yerrorlines linecolor rgb '#1f77b4' dashtype 1 pointtype 1 notitle, 'docs/results/robustness_fmnist_lenet/report/data/setting_00_shift.dat' using ($1+0.0000):2 with points linecolor rgb '#1f77b4' dashtype 1 pointtype 7 pointsize 0.5 notitle
set origin 0.3333,0.4750
set size 0.3333,0.4750
set ylabel 'NLL'
plot 'docs/results/robustness_fmnist_lenet/report/data/setting_00_shift.dat' using ($1+0.0000):7:8:9 with yerrorlines linecolor rgb '#1f77b4' dashtype 1 pointtype 1 notitle, 'docs/results/robustness_fmnist_lenet/report/data/setting_00_shift.dat' using ($1+0.0000):6 with points linecolor rgb '#1f77b4' dashtype 1 pointtype 7 pointsize 0.5 notitle
set origin 0.6667,0.4750
set size 0.3333,0.4750
set ylabel 'NLL at the clean temperature'
plot 'docs/results/robustness_fmnist_lenet/report/data/setting_00_shift.dat' using ($1+0.0000):11:12:13 with yerrorlines linecolor rgb '#1f77b4' dashtype 1 pointtype 1 notitle, 'docs/results/robustness_fmnist_lenet/report/data/setting_00_shift.dat' using ($1+0.0000):10 with points linecolor rgb '#1f77b4' dashtype 1 pointtype 7 pointsize 0.5 notitle
set origin 0.0000,0.0000
set size 0.3333,0.4750
set ylabel 'calibrated NLL (cv on the set)'
plot 'docs/results/robustness_fmnist_lenet/report/data/setting_00_shift.dat' using ($1+0.0000):15:16:17 with yerrorlines linecolor rgb '#1f77b4' dashtype 1 pointtype 1 notitle, 'docs/results/robustness_fmnist_lenet/report/data/setting_00_shift.dat' using ($1+0.0000):14 with points linecolor rgb '#1f77b4' dashtype 1 pointtype 7 pointsize 0.5 notitle
set origin 0.3333,0.0000
set size 0.3333,0.4750
set ylabel 'ECE'
plot 'docs/results/robustness_fmnist_lenet/report/data/setting_00_shift.dat' using ($1+0.0000):19:20:21 with yerrorlines linecolor rgb '#1f77b4' dashtype 1 pointtype 1 notitle, 'docs/results/robustness_fmnist_lenet/report/data/setting_00_shift.dat' using ($1+0.0000):18 with points linecolor rgb '#1f77b4' dashtype 1 pointtype 7 pointsize 0.5 notitle
set origin 0.6667,0.0000
set size 0.3333,0.4750
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
plot 2 with linespoints linecolor rgb '#1f77b4' dashtype 1 pointtype 1 title 'deep_ensemble', 2 with points linecolor rgb '#000000' pointtype 7 pointsize 0.5 title 'mean over corruptions'
unset multiplot
reset
set grid
unset key
set output 'docs/results/robustness_fmnist_lenet/report/ood_auroc_vs_size.svg'
set multiplot title 'OOD AUROC against ensemble size (mean over seeds): entropy solid, mutual information dashed (from two members: one has none)'
set xlabel 'ensemble size'
set ylabel 'AUROC'
set origin 0.0000,0.4750
set size 0.3333,0.4750
set title 'flipped'
plot 'docs/results/robustness_fmnist_lenet/report/data/setting_00_ood_flipped_entropy.dat' using 1:2 with linespoints linecolor rgb '#1f77b4' dashtype 1 pointtype 1 notitle, 'docs/results/robustness_fmnist_lenet/report/data/setting_00_ood_flipped_mutual_information.dat' using 1:2 with linespoints linecolor rgb '#1f77b4' dashtype 2 pointtype 1 notitle
set origin 0.3333,0.4750
set size 0.3333,0.4750
set title 'gaussian'
plot 'docs/results/robustness_fmnist_lenet/report/data/setting_00_ood_gaussian_entropy.dat' using 1:2 with linespoints linecolor rgb '#1f77b4' dashtype 1 pointtype 1 notitle, 'docs/results/robustness_fmnist_lenet/report/data/setting_00_ood_gaussian_mutual_information.dat' using 1:2 with linespoints linecolor rgb '#1f77b4' dashtype 2 pointtype 1 notitle
set origin 0.6667,0.4750
set size 0.3333,0.4750
set title 'mnist'
plot 'docs/results/robustness_fmnist_lenet/report/data/setting_00_ood_mnist_entropy.dat' using 1:2 with linespoints linecolor rgb '#1f77b4' dashtype 1 pointtype 1 notitle, 'docs/results/robustness_fmnist_lenet/report/data/setting_00_ood_mnist_mutual_information.dat' using 1:2 with linespoints linecolor rgb '#1f77b4' dashtype 2 pointtype 1 notitle
set origin 0.0000,0.0000
set size 0.3333,0.4750
set title 'rotated'
plot 'docs/results/robustness_fmnist_lenet/report/data/setting_00_ood_rotated_entropy.dat' using 1:2 with linespoints linecolor rgb '#1f77b4' dashtype 1 pointtype 1 notitle, 'docs/results/robustness_fmnist_lenet/report/data/setting_00_ood_rotated_mutual_information.dat' using 1:2 with linespoints linecolor rgb '#1f77b4' dashtype 2 pointtype 1 notitle
set origin 0.3333,0.0000
set size 0.3333,0.4750
set title 'uniform'
plot 'docs/results/robustness_fmnist_lenet/report/data/setting_00_ood_uniform_entropy.dat' using 1:2 with linespoints linecolor rgb '#1f77b4' dashtype 1 pointtype 1 notitle, 'docs/results/robustness_fmnist_lenet/report/data/setting_00_ood_uniform_mutual_information.dat' using 1:2 with linespoints linecolor rgb '#1f77b4' dashtype 2 pointtype 1 notitle
set origin 0.6667,0.0000
set size 0.3333,0.4750
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
plot 2 with linespoints linecolor rgb '#1f77b4' dashtype 1 pointtype 1 title 'deep_ensemble', 2 with lines linecolor rgb '#000000' dashtype 1 title 'entropy', 2 with lines linecolor rgb '#000000' dashtype 2 title 'mutual information'
unset multiplot
