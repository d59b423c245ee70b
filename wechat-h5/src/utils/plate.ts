import { t } from '@/i18n'

/** Province abbreviations, 桂 first because nearly every car in Baise carries it. */
export const PROVINCES = [
  '桂',
  '粤',
  '云',
  '贵',
  '湘',
  '琼',
  '川',
  '渝',
  '京',
  '津',
  '沪',
  '冀',
  '豫',
  '辽',
  '黑',
  '皖',
  '鲁',
  '新',
  '苏',
  '浙',
  '赣',
  '鄂',
  '甘',
  '晋',
  '蒙',
  '陕',
  '吉',
  '闽',
  '青',
  '藏',
  '宁',
] as const

/** Characters that may end an ordinary plate in place of the last serial character. */
export const PLATE_SUFFIXES = ['学', '警', '挂', '港', '澳', '领', '试', '超'] as const

// I and O are never issued on plates because they read as 1 and 0.
const LETTER = 'A-HJ-NP-Z'
const PROVINCE_CLASS = `[${PROVINCES.join('')}]`
const SERIAL = `[${LETTER}0-9]`
const NEV_MARK = '[DABCEFGHJK]'

const ORDINARY = new RegExp(`^${PROVINCE_CLASS}[${LETTER}]${SERIAL}{5}$`)
const WITH_SUFFIX = new RegExp(
  `^${PROVINCE_CLASS}[${LETTER}]${SERIAL}{4}[${PLATE_SUFFIXES.join('')}]$`,
)
const NEV_SMALL = new RegExp(`^${PROVINCE_CLASS}[${LETTER}]${NEV_MARK}${SERIAL}[0-9]{4}$`)
const NEV_LARGE = new RegExp(`^${PROVINCE_CLASS}[${LETTER}][0-9]{5}${NEV_MARK}$`)

export type PlateKind = 'ordinary' | 'new_energy'

/**
 * Same normalisation as the server uses for the fraud count: upper case,
 * full-width to half-width, and the separators people type (spaces, dots, ·) dropped.
 */
export function normalizePlate(raw: string): string {
  let out = ''
  for (const ch of raw ?? '') {
    const code = ch.charCodeAt(0)
    if (code >= 0xff01 && code <= 0xff5e) {
      out += String.fromCharCode(code - 0xfee0)
    } else if (code === 0x3000) {
      out += ' '
    } else {
      out += ch
    }
  }
  return out.toUpperCase().replace(/[\s.·•・‧]/g, '')
}

export function plateKind(raw: string): PlateKind | null {
  const plate = normalizePlate(raw)
  if (NEV_SMALL.test(plate) || NEV_LARGE.test(plate)) return 'new_energy'
  if (ORDINARY.test(plate) || WITH_SUFFIX.test(plate)) return 'ordinary'
  return null
}

export function isValidPlate(raw: string): boolean {
  return plateKind(raw) !== null
}

/** A short Chinese reason for the driver, or '' when the plate is fine. */
export function plateError(raw: string): string {
  const plate = normalizePlate(raw)
  if (!plate) return t('plate.errRequired')
  if (!PROVINCES.includes(plate[0] as (typeof PROVINCES)[number])) {
    return t('plate.errProvince')
  }
  if (/[IO]/.test(plate.slice(1))) return t('plate.errIO')
  if (plate.length < 7) return t('plate.errShort')
  if (plate.length > 8) return t('plate.errLong')
  if (!isValidPlate(plate)) return t('plate.errInvalid')
  return ''
}
