import { describe, expect, it } from 'vitest'
import { isValidMobile, maskPhone, normalizePhone, phoneError } from '@/utils/phone'

describe('phone validation', () => {
  it.each(['13800138000', '19912345678', '138 0013 8000', '138-0013-8000', '+8613800138000'])(
    'accepts %s',
    (p) => expect(isValidMobile(p)).toBe(true),
  )

  it.each(['12800138000', '1380013800', '138001380001', '0776-2822222', 'abcdefghijk', ''])(
    'rejects %s',
    (p) => expect(isValidMobile(p)).toBe(false),
  )

  it('normalises what people paste', () => {
    expect(normalizePhone('+86 138-0013-8000')).toBe('13800138000')
    expect(normalizePhone('008613800138000')).toBe('13800138000')
  })

  it('gives a reason', () => {
    expect(phoneError('')).toBe('请输入手机号')
    expect(phoneError('1380013800')).toBe('手机号应为11位')
    expect(phoneError('1380013800a')).toBe('手机号只能是数字')
    expect(phoneError('12800138000')).toBe('手机号格式不对，请核对')
    expect(phoneError('13800138000')).toBe('')
  })

  it('masks the middle digits', () => {
    expect(maskPhone('13800138000')).toBe('138****8000')
  })
})
