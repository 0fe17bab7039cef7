import { describe, expect, it } from 'vitest';
import {
  extractEntities,
  keyFromQuery,
  linkReason,
  normaliseListing,
  normalisePhone,
  normaliseVehicle,
} from '../../shared/entities';

const keys = (input: Parameters<typeof extractEntities>[0]) => extractEntities(input).map((e) => e.key);

describe('phone numbers', () => {
  it.each([
    '07700 900123',
    '+44 7700 900 123',
    '07700900123',
    '(0)7700-900-123',
    '+44 (0)7700 900123',
    '0044 7700 900123',
    '07700.900.123',
  ])('normalises %s to E.164', (raw) => {
    expect(normalisePhone(raw)).toBe('+447700900123');
  });

  it('rejects numbers that are not UK numbers', () => {
    expect(normalisePhone('+33 6 12 34 56 78')).toBeNull();
    expect(normalisePhone('12345')).toBeNull();
    expect(normalisePhone('0770090012')).toBeNull();
  });

  it('finds numbers written in different ways inside a description', () => {
    const found = keys({ description: 'Guests text 07700 900123 or +44 20 7946 0018; the card said (0)7700-900-456.' });
    expect(found).toEqual(['phone:+447700900123', 'phone:+442079460018', 'phone:+447700900456']);
  });

  it('does not read dates, times or reference numbers as phone numbers', () => {
    expect(keys({ description: 'Between 10:00 and 23:30 on 12.03.2026, room 214, 3 cars.' })).toEqual([]);
  });
});

describe('registration marks', () => {
  it('finds current, prefix and suffix marks in text', () => {
    const found = keys({ description: 'A silver car ab12 cde, then P123 XYZ and an old ABC 123D pulled up.' });
    expect(found).toEqual(['vehicle:AB12CDE', 'vehicle:P123XYZ', 'vehicle:ABC123D']);
  });

  it('ignores ordinary words that happen to look like old-style marks in lower case', () => {
    expect(keys({ description: 'there was 4x people and the 2nd one left at 9pm' })).toEqual([]);
  });

  it('keeps partial marks from the structured field, flagged as partial', () => {
    expect(normaliseVehicle('ab12 c')).toEqual({ mark: 'AB12C', partial: true });
    expect(extractEntities({ vehicles: ['ab12 c'] })[0]).toMatchObject({ key: 'vehicle:AB12C', partial: true });
  });
});

describe('listings', () => {
  it('normalises Airbnb rooms from any host and query string to one key', () => {
    const urls = [
      'https://www.airbnb.co.uk/rooms/12345678?adults=2&check_in=2026-01-01',
      'https://airbnb.com/rooms/12345678',
      'https://m.airbnb.ie/rooms/plus/12345678#photos',
    ];
    expect(new Set(urls.map((u) => normaliseListing(u)?.key))).toEqual(new Set(['listing:airbnb:12345678']));
  });

  it('normalises Booking.com hotel paths and Vrbo ids', () => {
    expect(normaliseListing('https://www.booking.com/hotel/gb/sea-view-flat.en-gb.html?aid=1')?.key).toBe(
      'listing:booking:gb/sea-view-flat',
    );
    expect(normaliseListing('https://www.vrbo.com/1234567ha?foo=1')?.key).toBe('listing:vrbo:1234567');
    expect(normaliseListing('https://www.vrbo.com/en-gb/p1234567')?.key).toBe('listing:vrbo:1234567');
  });
});

describe('line names', () => {
  it('finds "the Bravo line" in text and in the field as the same line', () => {
    expect(keys({ description: 'They call it the Bravo line.' })).toEqual(['line:bravo']);
    expect(keys({ lineNames: ['BRAVO LINE'] })).toEqual(['line:bravo']);
    expect(keys({ description: 'the phone line was busy, the Main line train' })).toEqual([]);
  });
});

describe("the reporter's own contact details", () => {
  it('never become an entity, in the fields or in the description', () => {
    const found = keys({
      description: 'Call me back on 07700 900999 or write to sam07700900999@example.test. Their number: 07700 900123',
      phones: ['+44 7700 900999'],
      contact: { phone: '07700900999', email: 'sam07700900999@example.test' },
    });
    expect(found).toEqual(['phone:+447700900123']);
  });
});

describe('search queries and reasons', () => {
  it('reads a query as the key it names', () => {
    expect(keyFromQuery('+44 7700 900 123')).toBe('phone:+447700900123');
    expect(keyFromQuery('ab12cde')).toBe('vehicle:AB12CDE');
    expect(keyFromQuery('the Bravo line')).toBe('line:bravo');
    expect(keyFromQuery('https://airbnb.com/rooms/1234?x=1')).toBe('listing:airbnb:1234');
    expect(keyFromQuery('brighton')).toBeNull();
  });

  it('says a number written differently is the same number', () => {
    expect(linkReason('phone', '07700 900123', '+44 7700 900 123')).toBe('same number, written differently');
    expect(linkReason('phone', '07700 900123', '07700  900123')).toBe('same number');
  });
});
