"""The photo check works on the decoded image in place: the size, the perceptual hash and the
thumbnail must be those of the upright photo whatever its orientation tag and colour mode."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image, ImageOps

from apps.cases.media_files import THUMB_SIZE, average_hash, check_image
from apps.common.exceptions import ApiError

MB = 1024 * 1024


def photo(mode: str, fmt: str, orientation: int | None) -> bytes:
    # Left half dark, right half light: which way up the photo is shows in the hash and the thumbnail.
    image = Image.new("RGB", (1200, 900), (30, 30, 30))
    image.paste((230, 230, 230), (600, 0, 1200, 900))
    image = Image.blend(image, Image.effect_noise((1200, 900), 20).convert("RGB"), 0.2).convert(mode)
    buffer = io.BytesIO()
    extra = {}
    if orientation:
        exif = Image.Exif()
        exif[0x0112] = orientation
        extra["exif"] = exif.tobytes()
    image.save(buffer, fmt, **extra)
    return buffer.getvalue()


def upright_reference(data: bytes) -> Image.Image:
    with Image.open(io.BytesIO(data)) as image:
        image.load()
        return ImageOps.exif_transpose(image)


def assert_upright_thumbnail(thumbnail: bytes, reference: Image.Image) -> None:
    with Image.open(io.BytesIO(thumbnail)) as thumb:
        assert thumb.format == "JPEG" and thumb.mode == "RGB"
        assert max(thumb.size) == max(THUMB_SIZE)
        assert (thumb.width > thumb.height) == (reference.width > reference.height)
        # The dark half is where the upright photo has it.
        left = thumb.crop((0, 0, thumb.width // 4, thumb.height)).convert("L").resize((1, 1)).getpixel((0, 0))
        right = thumb.crop((3 * thumb.width // 4, 0, thumb.width, thumb.height)).convert("L").resize((1, 1)).getpixel((0, 0))
        ref = reference.convert("L")
        ref_left = ref.crop((0, 0, ref.width // 4, ref.height)).resize((1, 1)).getpixel((0, 0))
        assert (left < right) == (ref_left < 128)


@pytest.mark.parametrize(("mode", "fmt", "orientation"), [
    ("RGB", "JPEG", None), ("RGB", "JPEG", 6), ("RGB", "JPEG", 3), ("L", "JPEG", 8), ("RGBA", "PNG", None),
    ("P", "PNG", None),
])
def test_size_hash_and_thumbnail_are_those_of_the_upright_photo(mode, fmt, orientation):
    data = photo(mode, fmt, orientation)
    checked = check_image(SimpleUploadedFile("p", data), 20 * MB)
    reference = upright_reference(data)
    assert (checked.width, checked.height) == reference.size
    assert checked.phash == average_hash(reference)
    assert_upright_thumbnail(checked.thumbnail, reference)


def big_photo(orientation: int | None, progressive: bool = False) -> bytes:
    """A phone-sized JPEG: large enough that it is decoded at a reduced scale."""
    image = Image.new("RGB", (3200, 2400), (30, 30, 30))
    image.paste((230, 230, 230), (1600, 0, 3200, 2400))
    image = Image.blend(image, Image.effect_noise((3200, 2400), 30).convert("RGB"), 0.25)
    buffer = io.BytesIO()
    extra = {"progressive": progressive}
    if orientation:
        exif = Image.Exif()
        exif[0x0112] = orientation
        extra["exif"] = exif.tobytes()
    image.save(buffer, "JPEG", quality=88, **extra)
    return buffer.getvalue()


@pytest.mark.parametrize(("orientation", "progressive"), [(None, False), (6, False), (3, True)])
def test_a_large_jpeg_decoded_at_reduced_scale_keeps_its_size_orientation_and_hash(orientation, progressive):
    data = big_photo(orientation, progressive)
    checked = check_image(SimpleUploadedFile("p", data), 20 * MB)
    reference = upright_reference(data)
    # The recorded size is the photo's own, not the reduced decode's.
    assert (checked.width, checked.height) == reference.size
    # The hash of the reduced decode is the full decode's within a bit or two, far inside the
    # similarity threshold (photo_similarity_bits, 6 by default).
    distance = (int(checked.phash, 16) ^ int(average_hash(reference), 16)).bit_count()
    assert distance <= 2
    assert_upright_thumbnail(checked.thumbnail, reference)


def test_a_truncated_large_jpeg_is_still_refused():
    # A reduced-scale decode still reads every byte: a file cut short fails as it did before.
    data = big_photo(None)
    with pytest.raises(ApiError) as caught:
        check_image(SimpleUploadedFile("p", data[: len(data) * 2 // 3]), 20 * MB)
    assert caught.value.status_code == 400
