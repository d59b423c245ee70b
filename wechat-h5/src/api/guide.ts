import { http } from './http'

/** `GET /guide/slot-examples`: the city's example photo for a media slot (only slots that have one). */
export interface SlotExample {
  slot: string
  label: string
  /** 拍摄要点; may be empty */
  caption: string
  image_url: string
}

export async function fetchSlotExamples(): Promise<SlotExample[]> {
  // Public: the photo step must not wait for the owner session, and a slow answer only delays a picture.
  const { data } = await http.get<SlotExample[]>('/guide/slot-examples', {
    skipSession: true,
    timeout: 10_000,
  })
  return data
}
