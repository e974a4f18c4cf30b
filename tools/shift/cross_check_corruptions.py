#!/usr/bin/env python3
"""Side-by-side check of our deterministic corruptions against the CIFAR-10-C
generator's recipe (hendrycks/robustness, make_cifar_c.py) as written with
its own libraries: scikit-image, SciPy, OpenCV, PIL. Run on the output of

  driver --eval_only --out_dir=RUN --shift=gaussian_blur,defocus_blur,zoom_blur,contrast,brightness,pixelate,jpeg \
         --shift_dump=DUMP

as  python3 tools/shift/cross_check_corruptions.py DUMP [t10k-images-idx3-ubyte.gz]
(needs numpy scipy scikit-image opencv-python-headless pillow; no part of
the product). Prints, per corruption and severity, the largest and mean
absolute difference in 8-bit levels over the dump's 100 images.
Random corruptions (noise, glass blur, fog, elastic) draw their own numbers
and are checked by tests/shift/corruption_test.cc instead.
"""
import gzip
import io
import sys

import cv2
import numpy as np
from PIL import Image
from scipy.ndimage import zoom as scizoom
from skimage.filters import gaussian


def test_images(path, count=100):
    with gzip.open(path, "rb") as f:
        data = np.frombuffer(f.read(), np.uint8, offset=16)
    return data.reshape(-1, 28, 28)[:count]


def gaussian_blur(x, c):
    return np.clip(gaussian(np.array(x) / 255.0, sigma=c), 0, 1) * 255


def disk(radius, alias_blur=0.1, dtype=np.float32):
    if radius <= 8:
        L = np.arange(-8, 8 + 1)
        ksize = (3, 3)
    else:
        L = np.arange(-radius, radius + 1)
        ksize = (5, 5)
    X, Y = np.meshgrid(L, L)
    aliased_disk = np.array((X ** 2 + Y ** 2) <= radius ** 2, dtype=dtype)
    aliased_disk /= np.sum(aliased_disk)
    return cv2.GaussianBlur(aliased_disk, ksize=ksize, sigmaX=alias_blur)


def defocus_blur(x, c):
    x = np.array(x) / 255.0
    return np.clip(cv2.filter2D(x, -1, disk(radius=c[0], alias_blur=c[1])), 0, 1) * 255


def clipped_zoom(img, zoom_factor):
    h = img.shape[0]
    ch = int(np.ceil(h / zoom_factor))
    top = (h - ch) // 2
    img = scizoom(img[top:top + ch, top:top + ch], (zoom_factor, zoom_factor), order=1)
    trim_top = (img.shape[0] - h) // 2
    return img[trim_top:trim_top + h, trim_top:trim_top + h]


def zoom_blur(x, c):
    x = (np.array(x) / 255.0).astype(np.float32)
    out = np.zeros_like(x)
    for zoom_factor in np.arange(1, c, 0.01):
        out += clipped_zoom(x, zoom_factor)
    return np.clip((x + out) / (len(np.arange(1, c, 0.01)) + 1), 0, 1) * 255


def contrast(x, c):
    x = np.array(x) / 255.0
    means = np.mean(x, axis=(0, 1), keepdims=True)
    return np.clip((x - means) * c + means, 0, 1) * 255


def brightness(x, c):
    x = np.array(x) / 255.0  # grey: HSV's value is the grey level itself
    return np.clip(x + c, 0, 1) * 255


def pixelate(x, c):
    image = Image.fromarray(x)
    image = image.resize((int(28 * c), int(28 * c)), Image.BOX)
    return np.array(image.resize((28, 28), Image.BOX), dtype=np.float64)


def jpeg(x, c):
    output = io.BytesIO()
    Image.fromarray(x).save(output, "JPEG", quality=c)
    return np.array(Image.open(output), dtype=np.float64)


CONSTANTS = {
    gaussian_blur: [0.4, 0.6, 0.7, 0.8, 1],
    defocus_blur: [(0.3, 0.4), (0.4, 0.5), (0.5, 0.6), (1, 0.2), (1.5, 0.1)],
    zoom_blur: [1.06, 1.11, 1.16, 1.21, 1.26],
    contrast: [0.75, 0.5, 0.4, 0.3, 0.15],
    brightness: [0.05, 0.1, 0.15, 0.2, 0.3],
    pixelate: [0.95, 0.9, 0.85, 0.75, 0.65],
    jpeg: [80, 65, 58, 50, 40],
}


def main():
    dump = sys.argv[1]
    images = test_images(sys.argv[2] if len(sys.argv) > 2 else "/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz")
    print(f"{'corruption':14s} {'severity':>8s} {'max |diff|':>11s} {'mean |diff|':>12s}  (8-bit levels, 100 images)")
    worst = 0.0
    for fn, levels in CONSTANTS.items():
        for severity, c in enumerate(levels, 1):
            try:
                ours = np.load(f"{dump}/{fn.__name__}_{severity}.npy")[:, 0] * 255
            except FileNotFoundError:
                continue
            theirs = np.stack([fn(x, c) for x in images])
            diff = np.abs(ours - theirs)
            worst = max(worst, diff.max())
            print(f"{fn.__name__:14s} {severity:8d} {diff.max():11.4f} {diff.mean():12.5f}")
    print(f"largest difference: {worst:.4f} levels")


if __name__ == "__main__":
    main()
