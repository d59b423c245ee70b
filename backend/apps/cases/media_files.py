"""Checking and storing uploaded evidence.

Files are judged by their bytes, not their names: images must decode with Pillow, videos must be an
ISO base media container (MP4/MOV/3GP) whose top-level boxes tile the whole file and include the movie
header (`moov`) and the media (`mdat`/`moof`). The original bytes are stored unchanged under their
SHA-256; the upload arrives as a temporary file on disk and is read in chunks, never as one block in
memory.
"""

import hashlib
import io
import math
import struct
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime

from django.core.files.base import ContentFile, File
from django.utils import timezone
from PIL import ExifTags, Image, ImageOps, UnidentifiedImageError

from apps.common.exceptions import ApiError

# A 200-megapixel photo does not come out of a phone; anything larger is a decompression bomb.
Image.MAX_IMAGE_PIXELS = 120_000_000
THUMB_SIZE = (480, 480)
# The thumbnail is box-reduced to within this factor of its size before it is resampled; the photo is
# decoded no smaller than that box, as `thumbnail()` asks of an image it decodes itself.
THUMB_REDUCING_GAP = 1.5
THUMB_DECODE = (round(THUMB_SIZE[0] * THUMB_REDUCING_GAP), round(THUMB_SIZE[1] * THUMB_REDUCING_GAP))
IMAGE_FORMATS = {"JPEG": (".jpg", "image/jpeg"), "PNG": (".png", "image/png"), "WEBP": (".webp", "image/webp"),
                 "HEIF": (".heic", "image/heic"), "MPO": (".jpg", "image/jpeg")}
VIDEO_BRANDS = {
    b"isom": (".mp4", "video/mp4"), b"iso2": (".mp4", "video/mp4"), b"mp41": (".mp4", "video/mp4"),
    b"mp42": (".mp4", "video/mp4"), b"avc1": (".mp4", "video/mp4"), b"dash": (".mp4", "video/mp4"),
    b"M4V ": (".mp4", "video/mp4"), b"qt  ": (".mov", "video/quicktime"), b"3gp4": (".3gp", "video/3gpp"),
    b"3gp5": (".3gp", "video/3gpp"), b"3gp6": (".3gp", "video/3gpp"), b"3g2a": (".3g2", "video/3gpp2"),
}
QT_ATOMS = {b"moov", b"mdat", b"wide", b"free", b"skip", b"pnot"}
# A phone recording has a handful of top-level boxes (a few thousand for a fragmented one); a file made of
# millions of tiny boxes would only make the walk slow.
MAX_TOP_LEVEL_BOXES = 100_000
CHUNK = 1024 * 1024


@dataclass
class Checked:
    kind: str
    extension: str
    content_type: str
    size: int
    sha256: str
    width: int | None = None
    height: int | None = None
    taken_at: datetime | None = None
    lng: float | None = None
    lat: float | None = None
    phash: str = ""
    thumbnail: bytes | None = None


def hash_file(upload: File) -> tuple[str, int]:
    digest = hashlib.sha256()
    size = 0
    upload.seek(0)
    for chunk in upload.chunks(CHUNK):
        digest.update(chunk)
        size += len(chunk)
    upload.seek(0)
    return digest.hexdigest(), size


def _rational(value) -> float:
    try:
        return float(value)
    except (TypeError, ValueError, ZeroDivisionError):
        return float(value[0]) / float(value[1])


def _gps(gps: dict) -> tuple[float | None, float | None]:
    try:
        lat = sum(_rational(v) / 60**i for i, v in enumerate(gps[2]))
        lng = sum(_rational(v) / 60**i for i, v in enumerate(gps[4]))
        if str(gps.get(1, "N")).upper().startswith("S"):
            lat = -lat
        if str(gps.get(3, "E")).upper().startswith("W"):
            lng = -lng
        if -90 <= lat <= 90 and -180 <= lng <= 180:
            return round(lng, 7), round(lat, 7)
    except Exception:
        pass
    return None, None


def _taken_at(exif) -> datetime | None:
    raw = exif.get_ifd(ExifTags.IFD.Exif).get(ExifTags.Base.DateTimeOriginal) or exif.get(ExifTags.Base.DateTime)
    if not raw or not isinstance(raw, str) or len(raw) > 40:
        return None
    try:
        naive = datetime.strptime(raw.strip("\x00 ").strip(), "%Y:%m:%d %H:%M:%S")
    except ValueError:
        return None
    # Phone cameras write local time without a zone; in Baise that is Asia/Shanghai.
    return timezone.make_aware(naive, timezone.get_default_timezone())


def average_hash(image: Image.Image) -> str:
    """A 64-bit difference hash: survives re-saving and resizing, differs for a different photo."""
    small = image.convert("L").resize((9, 8), Image.Resampling.LANCZOS)
    pixels = list(small.getdata())
    bits = 0
    for row in range(8):
        for col in range(8):
            bits = (bits << 1) | (pixels[row * 9 + col] > pixels[row * 9 + col + 1])
    return f"{bits:016x}"


@contextmanager
def decoded_image(upload: File, covering: tuple[int, int] | None = None) -> Iterator[Image.Image]:
    """The upload decoded by Pillow; bombs and undecodable bytes become a Chinese 400.

    With `covering`, a JPEG is decoded at the smallest of its 1/2, 1/4 and 1/8 scales that still
    covers the image fitted into that box (libjpeg scales in the inverse DCT: every byte of the file
    is still decoded, so a truncated or corrupt file still fails). `image.size` is then the reduced
    size; the size the file declares stays in `image.info["declared_size"]`.
    """
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(upload) as probe:
                probe.verify()
            upload.seek(0)
            with Image.open(upload) as image:
                image.info["declared_size"] = image.size
                if covering is not None and image.format in ("JPEG", "MPO"):
                    width, height = image.size
                    scale = min(covering[0] / width, covering[1] / height, 1.0)
                    image.draft(image.mode if image.mode in ("RGB", "L") else None,
                                (math.ceil(width * scale), math.ceil(height * scale)))
                image.load()
                yield image
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise ApiError("invalid_file", "图片像素过大，无法处理，请用手机相机正常拍摄后上传。", 400) from exc
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, TypeError) as exc:
        raise ApiError("invalid_file", "文件不是有效的图片或已损坏，请重新拍摄后上传。", 400) from exc
    finally:
        upload.seek(0)


def check_image(upload: File, max_bytes: int) -> Checked:
    sha256, size = hash_file(upload)
    _check_size(size, max_bytes, "照片")
    # A JPEG is decoded no larger than the thumbnail needs (see `decoded_image`): a half- or
    # quarter-scale decode takes a fraction of the time, and the hash and the thumbnail are made
    # from it. The recorded width and height are the photo's own.
    with decoded_image(upload, covering=THUMB_DECODE) as image:
        fmt = image.format
        if fmt not in IMAGE_FORMATS:
            raise ApiError("invalid_file", "仅支持 JPEG、PNG、WEBP 格式的照片。", 400)
        exif = image.getexif()
        taken_at = _taken_at(exif)
        lng, lat = _gps(exif.get_ifd(ExifTags.IFD.GPSInfo)) if exif else (None, None)
        width, height = image.info["declared_size"]
        if exif.get(ExifTags.Base.Orientation) in (5, 6, 7, 8):  # stored on its side: shown turned
            width, height = height, width
        # The decoded image is worked on in place; the hash is taken before the thumbnail shrinks it.
        ImageOps.exif_transpose(image, in_place=True)
        phash = average_hash(image)
        thumb = image if image.mode == "RGB" else image.convert("RGB")
        # Box-reduce by a whole factor first, then resample: a third of the time of resampling the full
        # image (the default gap of 2.0), and still free of aliasing at this size.
        thumb.thumbnail(THUMB_SIZE, reducing_gap=THUMB_REDUCING_GAP)
        buffer = io.BytesIO()
        thumb.save(buffer, "JPEG", quality=80)
    extension, content_type = IMAGE_FORMATS[fmt]
    return Checked(
        kind="image", extension=extension, content_type=content_type, size=size, sha256=sha256, width=width,
        height=height, taken_at=taken_at, lng=lng, lat=lat, phash=phash, thumbnail=buffer.getvalue(),
    )


def check_video(upload: File, max_bytes: int) -> Checked:
    sha256, size = hash_file(upload)
    _check_size(size, max_bytes, "视频")
    try:
        extension, content_type = _video_container(upload, size)
    finally:
        upload.seek(0)
    return Checked(kind="video", extension=extension, content_type=content_type, size=size, sha256=sha256)


def _not_a_video() -> ApiError:
    return ApiError("invalid_file", "文件不是有效的视频，请上传手机拍摄的 MP4/MOV/3GP 视频。", 400)


def _video_container(upload: File, size: int) -> tuple[str, str]:
    """The (extension, content type) of an ISO base media / QuickTime file, judged by its top-level boxes.

    Only the 8- or 16-byte box headers are read, seeking from one box to the next: a 200 MB upload is
    never read into memory. The boxes must tile the file exactly, the first one must be `ftyp` (or, for
    an old QuickTime file, a QuickTime top-level atom) and a recording must hold its `moov` and its
    media (`mdat`, or `moof` fragments).
    """
    boxes = _top_level_boxes(upload, size)
    first_type, first_offset, first_header, first_size = boxes[0]
    if first_type == b"ftyp":
        if first_size < first_header + 8:  # major brand and minor version
            raise _not_a_video()
        upload.seek(first_offset + first_header)
        brand = upload.read(4)
        if len(brand) != 4:
            raise _not_a_video()
        extension, content_type = VIDEO_BRANDS.get(brand, (".mp4", "video/mp4"))
        if brand not in VIDEO_BRANDS and not brand[:3].isalnum():
            raise _not_a_video()
    elif first_type in QT_ATOMS:
        extension, content_type = ".mov", "video/quicktime"
    else:
        raise _not_a_video()
    types = {box[0] for box in boxes}
    if b"moov" not in types or not types & {b"mdat", b"moof"}:
        raise _not_a_video()
    return extension, content_type


def _top_level_boxes(upload: File, size: int) -> list[tuple[bytes, int, int, int]]:
    """(type, offset, header length, size) of every top-level box; a 400 unless they tile the file exactly."""
    boxes: list[tuple[bytes, int, int, int]] = []
    offset = 0
    while offset < size:
        if len(boxes) >= MAX_TOP_LEVEL_BOXES:
            raise _not_a_video()
        remaining = size - offset
        if remaining < 8:  # trailing bytes too short to be a box
            raise _not_a_video()
        upload.seek(offset)
        header = upload.read(8)
        if len(header) != 8:
            raise _not_a_video()
        box_size, box_type = struct.unpack(">I4s", header)
        if not all(0x20 <= byte <= 0x7E for byte in box_type):
            raise _not_a_video()
        header_length = 8
        if box_size == 1:
            large = upload.read(8)
            if len(large) != 8:
                raise _not_a_video()
            (box_size,) = struct.unpack(">Q", large)
            header_length = 16
            if box_size < 16:
                raise _not_a_video()
        elif box_size == 0:  # runs to the end of the file: by definition the last box
            box_size = remaining
        elif box_size < 8:
            raise _not_a_video()
        if box_size > remaining:  # a box cut short: a truncated upload
            raise _not_a_video()
        boxes.append((box_type, offset, header_length, box_size))
        offset += box_size
    if not boxes:
        raise _not_a_video()
    return boxes


def _check_size(size: int, max_bytes: int, label: str) -> None:
    if size == 0:
        raise ApiError("invalid_file", f"{label}文件为空，请重新选择。", 400)
    if size > max_bytes:
        raise ApiError(
            "file_too_large", f"{label}超过大小上限 {max_bytes // (1024 * 1024)} MB，请压缩或重新拍摄。", 413
        )


def thumbnail_file(checked: Checked) -> ContentFile | None:
    if checked.thumbnail is None:
        return None
    return ContentFile(checked.thumbnail, name=f"{checked.sha256}.jpg")
