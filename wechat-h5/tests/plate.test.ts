import { describe, expect, it } from 'vitest'
import { isValidPlate, normalizePlate, plateError, plateKind, PROVINCES } from '@/utils/plate'

describe('plate validation', () => {
  it.each(['桂L12345', '桂LD12345', '桂L1234学', '桂A0000D', '粤B12345', '桂LFA1234', '桂L1234警'])(
    'accepts %s',
    (plate) => expect(isValidPlate(plate)).toBe(true),
  )

  it.each([
    ['L12345', 'no province character'],
    ['桂L1234', 'too short'],
    ['桂LI2345', 'I is never issued'],
    ['桂LO2345', 'O is never issued'],
    ['桂IL2345', 'I as the authority letter'],
    ['桂L123456789', 'too long'],
    ['桂1L2345', 'authority must be a letter'],
    ['桂L12345学', 'suffix plates have 4 serial characters'],
    ['桂LZ12345', 'Z is not a new-energy marker'],
    ['', 'empty'],
  ])('rejects %s (%s)', (plate) => expect(isValidPlate(plate)).toBe(false))

  it('tells ordinary from new-energy plates', () => {
    expect(plateKind('桂L12345')).toBe('ordinary')
    expect(plateKind('桂LD12345')).toBe('new_energy')
    expect(plateKind('桂L12345D')).toBe('new_energy')
    expect(plateKind('桂L1234')).toBeNull()
  })

  it('explains the problem in Chinese', () => {
    expect(plateError('')).toBe('请输入车牌号')
    expect(plateError('L12345')).toContain('省份简称')
    expect(plateError('桂LI2345')).toContain('I 和 O')
    expect(plateError('桂L1234')).toContain('位数不够')
    expect(plateError('桂L12345')).toBe('')
  })

  it('puts 桂 first on the province keyboard', () => {
    expect(PROVINCES[0]).toBe('桂')
    expect(new Set(PROVINCES).size).toBe(31)
  })
})

describe('plate normalisation', () => {
  it('upper-cases and strips separators', () => {
    expect(normalizePlate('桂l·12345')).toBe('桂L12345')
    expect(normalizePlate(' 桂 L 12 345 ')).toBe('桂L12345')
    expect(normalizePlate('桂L.D12345')).toBe('桂LD12345')
  })

  it('turns full-width letters and digits into half-width', () => {
    expect(normalizePlate('桂Ｌ１２３４５')).toBe('桂L12345')
    expect(normalizePlate('桂ｌｄ１２３４５')).toBe('桂LD12345')
  })

  it('keeps the province character', () => {
    expect(normalizePlate('桂L1234学')).toBe('桂L1234学')
    expect(isValidPlate('桂ｌ·１２３４５')).toBe(true)
  })
})
