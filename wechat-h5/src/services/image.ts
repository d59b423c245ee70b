import { exifOrientation, readExif, uprightExif, withExif } from './exif'
import { maxPhotoBytes } from './settings'

// The size limits are city settings: see maxPhotoBytes / maxVideoBytes in ./settings.

// Long enough for plates to stay readable from 5 m away, small enough for a weak signal.
const MAX_EDGE = 2560

function canvasToBlob(canvas: HTMLCanvasElement, quality: number): Promise<Blob | null> {
  return new Promise((resolve) => canvas.toBlob((b) => resolve(b), 'image/jpeg', quality))
}

/**
 * A JPEG that is already upright, no longer than MAX_EDGE and within the size
 * limit goes up as the camera wrote it: the evidence is the original bytes.
 * Anything else is redrawn as an upright JPEG (phones store portrait photos
 * sideways with an EXIF rotation flag that some viewers ignore, and a 12 MP
 * photo is more than a weak signal needs), with the original's EXIF block
 * (capture time, GPS position) carried over, tagged upright and given the new
 * pixel size. Any failure (old WebView, HEIC, no canvas) returns the original
 * untouched: the server keeps whatever bytes it gets.
 */
export async function prepareImage(file: File): Promise<{ blob: Blob; name: string }> {
  const original = { blob: file as Blob, name: file.name || 'photo.jpg' }
  try {
    if (typeof createImageBitmap !== 'function') return original
    const bitmap = await createImageBitmap(file, { imageOrientation: 'from-image' })
    const exif = await readExif(file)
    const upright = (exif ? exifOrientation(exif) : 1) === 1
    const longEdge = Math.max(bitmap.width, bitmap.height)
    if (file.type === 'image/jpeg' && upright && longEdge <= MAX_EDGE && file.size <= maxPhotoBytes()) {
      bitmap.close?.()
      return original
    }
    const scale = Math.min(1, MAX_EDGE / longEdge)
    const canvas = document.createElement('canvas')
    canvas.width = Math.round(bitmap.width * scale)
    canvas.height = Math.round(bitmap.height * scale)
    const ctx = canvas.getContext('2d')
    if (!ctx) return original
    ctx.drawImage(bitmap, 0, 0, canvas.width, canvas.height)
    bitmap.close?.()
    const carried = exif ? uprightExif(exif, { width: canvas.width, height: canvas.height }) : null
    for (const quality of [0.9, 0.8, 0.65]) {
      const drawn = await canvasToBlob(canvas, quality)
      if (!drawn) return original
      const blob = carried ? await withExif(drawn, carried) : drawn
      if (blob.size <= maxPhotoBytes()) {
        const base = (file.name || 'photo').replace(/\.[^.]+$/, '')
        return { blob, name: `${base}.jpg` }
      }
    }
    return original
  } catch {
    return original
  }
}
