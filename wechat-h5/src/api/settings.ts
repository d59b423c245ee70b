import { http } from './http'

/** `GET /owner/settings`: city-admin parameters the H5 applies before the server does. */
export interface OwnerSettings {
  required_media_slots: string[]
  max_accident_age_days: number
  photo_max_mb: number
  video_max_mb: number
  /** "08:00-20:00"; "00:00-24:00" = round the clock */
  review_service_hours: string
  /** How many parties one accident may have */
  max_parties: number
}

export async function fetchOwnerSettings(): Promise<OwnerSettings> {
  // Public: needed before the owner session exists.
  const { data } = await http.get<OwnerSettings>('/owner/settings', { skipSession: true })
  return data
}
