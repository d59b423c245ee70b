import type { AddressSearchResult } from '@/api/types'

const PROVINCE = '广西壮族自治区'
const CITY = '百色市'

/**
 * A search hit as one standard address line, in the same shape as the reverse lookup's
 * ("广西壮族自治区百色市平果市教育路12号平果市人民医院"): province, city, county, address, place name,
 * each only once.
 */
export function standardTextOf(
  r: Pick<AddressSearchResult, 'name' | 'address' | 'county'>,
): string {
  const name = (r.name ?? '').trim()
  const county = (r.county ?? '').trim()
  let text = (r.address ?? '').trim()
  if (county && !text.includes(county)) text = county + text
  if (!text.includes(CITY)) text = CITY + text
  if (!text.includes(PROVINCE)) text = PROVINCE + text
  if (name && !text.includes(name)) text += name
  return text
}
