// A photo's EXIF block: its orientation tells whether the photo must be redrawn upright, and a
// photo redrawn on a canvas would lose the block, and with it the capture time and GPS position the
// server checks against the declared time and place. These helpers read the orientation and carry
// the original block over into the redrawn JPEG, tagged "upright" because the redraw already turned
// the pixels.

const SOI = [0xff, 0xd8]
const EXIF_HEADER = [0x45, 0x78, 0x69, 0x66, 0x00, 0x00] // "Exif\0\0"
const ORIENTATION_TAG = 0x0112
const EXIF_IFD_TAG = 0x8769
const PIXEL_X_TAG = 0xa002
const PIXEL_Y_TAG = 0xa003
const SHORT = 3
const LONG = 4
const TIFF_START = 4 + EXIF_HEADER.length

/** How much of a file to read to find its EXIF block: the block itself is at most 64 KB. */
export const EXIF_SCAN_BYTES = 128 * 1024

function startsWith(bytes: Uint8Array, at: number, expected: number[]): boolean {
  return expected.every((value, i) => bytes[at + i] === value)
}

/**
 * The APP1 EXIF segment (marker and length included) of a JPEG, from the first bytes of the file,
 * or null when there is none or the markers before it do not parse.
 */
export function exifSegment(head: Uint8Array): Uint8Array | null {
  if (!startsWith(head, 0, SOI)) return null
  let at = 2
  while (at + 4 <= head.length) {
    if (head[at] !== 0xff) return null
    const marker = head[at + 1]
    if (marker === 0xff) {
      at += 1 // fill byte before a marker
      continue
    }
    if (marker === 0xda || marker === 0xd9) return null // image data begins: no metadata after it
    const length = (head[at + 2] << 8) | head[at + 3]
    if (length < 2) return null
    const end = at + 2 + length
    if (marker === 0xe1 && length >= 2 + EXIF_HEADER.length && startsWith(head, at + 4, EXIF_HEADER)) {
      return end <= head.length ? head.slice(at, end) : null
    }
    at = end
  }
  return null
}

/**
 * Where IFD0's orientation value lies in an EXIF segment, with the block's byte order: `at` is
 * null when the block has no orientation tag. Null for a block that does not parse.
 */
function orientationField(segment: Uint8Array): { view: DataView; at: number | null; little: boolean } | null {
  const view = new DataView(segment.buffer, segment.byteOffset, segment.byteLength)
  const tiff = TIFF_START
  if (segment.length < tiff + 8) return null
  const order = view.getUint16(tiff)
  if (order !== 0x4949 && order !== 0x4d4d) return null // "II" little-endian, "MM" big-endian
  const little = order === 0x4949
  if (view.getUint16(tiff + 2, little) !== 42) return null
  const ifd0 = tiff + view.getUint32(tiff + 4, little)
  if (ifd0 + 2 > segment.length) return null
  const entries = view.getUint16(ifd0, little)
  if (ifd0 + 2 + entries * 12 > segment.length) return null
  for (let i = 0; i < entries; i += 1) {
    const entry = ifd0 + 2 + i * 12
    if (view.getUint16(entry, little) !== ORIENTATION_TAG) continue
    if (view.getUint16(entry + 2, little) !== SHORT) return null
    return { view, at: entry + 8, little }
  }
  return { view, at: null, little }
}

/** The EXIF orientation (1 = upright, also when the tag is absent), or null for a malformed block. */
export function exifOrientation(segment: Uint8Array): number | null {
  const field = orientationField(segment)
  if (!field) return null
  return field.at === null ? 1 : field.view.getUint16(field.at, field.little)
}

/** Where the 12-byte entry of `tag` lies in the IFD at `ifd` (a TIFF offset), or null. */
function entryOf(view: DataView, ifd: number, tag: number, little: boolean): number | null {
  const at = TIFF_START + ifd
  if (at + 2 > view.byteLength) return null
  const entries = view.getUint16(at, little)
  if (at + 2 + entries * 12 > view.byteLength) return null
  for (let i = 0; i < entries; i += 1) {
    const entry = at + 2 + i * 12
    if (view.getUint16(entry, little) === tag) return entry
  }
  return null
}

/**
 * Writes the picture's size into the Exif IFD's PixelXDimension and PixelYDimension, where the
 * block has them: after a redraw they would still give the camera's size (and a turned photo's
 * sides swapped). A SHORT field keeps its type when the value fits. Anything it cannot read is
 * left as it is: the size is informative, the JPEG itself declares the real one.
 */
function setPixelSize(view: DataView, little: boolean, width: number, height: number): void {
  const pointer = entryOf(view, view.getUint32(TIFF_START + 4, little), EXIF_IFD_TAG, little)
  if (pointer === null || view.getUint16(pointer + 2, little) !== LONG) return
  const exifIfd = view.getUint32(pointer + 8, little)
  for (const [tag, value] of [[PIXEL_X_TAG, width], [PIXEL_Y_TAG, height]] as const) {
    const entry = entryOf(view, exifIfd, tag, little)
    if (entry === null || view.getUint32(entry + 4, little) !== 1) continue
    const type = view.getUint16(entry + 2, little)
    if (type === LONG) view.setUint32(entry + 8, value, little)
    else if (type === SHORT && value <= 0xffff) view.setUint16(entry + 8, value, little)
  }
}

/**
 * A copy of an EXIF segment whose orientation (if it has one) says "upright", or null when the
 * block is malformed: a photo drawn upright and still tagged as turned would be turned twice.
 * With `size`, the picture as redrawn, the block's pixel dimensions are set to it as well.
 */
export function uprightExif(segment: Uint8Array, size?: { width: number; height: number }): Uint8Array | null {
  const copy = segment.slice()
  const field = orientationField(copy)
  if (!field) return null
  if (field.at !== null) field.view.setUint16(field.at, 1, field.little)
  if (size) setPixelSize(field.view, field.little, size.width, size.height)
  return copy
}

/** The JPEG with the EXIF segment inserted right after its start-of-image marker. */
export async function withExif(jpeg: Blob, segment: Uint8Array): Promise<Blob> {
  const start = new Uint8Array(await jpeg.slice(0, 2).arrayBuffer())
  if (!startsWith(start, 0, SOI)) return jpeg
  return new Blob([jpeg.slice(0, 2), segment as BlobPart, jpeg.slice(2)], { type: 'image/jpeg' })
}

/** A photo's EXIF segment, read from the start of the file, or null. */
export async function readExif(file: Blob): Promise<Uint8Array | null> {
  try {
    return exifSegment(new Uint8Array(await file.slice(0, EXIF_SCAN_BYTES).arrayBuffer()))
  } catch {
    return null
  }
}
