import { t } from '@/i18n'

/** Strip what people paste along with a number: spaces, dashes, a +86 prefix. */
export function normalizePhone(raw: string): string {
  let digits = (raw ?? '').replace(/[\s-]/g, '')
  if (digits.startsWith('+86')) digits = digits.slice(3)
  else if (digits.startsWith('0086')) digits = digits.slice(4)
  return digits
}

/** Mainland mobile numbers: 11 digits, starting 13–19. */
export function isValidMobile(raw: string): boolean {
  return /^1[3-9]\d{9}$/.test(normalizePhone(raw))
}

export function phoneError(raw: string): string {
  const phone = normalizePhone(raw)
  if (!phone) return t('phone.required')
  if (!/^\d+$/.test(phone)) return t('phone.digits')
  if (phone.length !== 11) return t('phone.length')
  if (!isValidMobile(phone)) return t('phone.invalid')
  return ''
}

/** 138****8000, for lists where the full number need not be shown. */
export function maskPhone(raw: string): string {
  const p = normalizePhone(raw)
  return p.length === 11 ? `${p.slice(0, 3)}****${p.slice(7)}` : p
}
