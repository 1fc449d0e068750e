import { httpStatusOf } from '../filters/all-exceptions.filter.js';
import { ErrorCode } from './domain.error.js';

describe('ErrorCode', () => {
  it('maps every code to a 4xx or 5xx status', () => {
    for (const code of Object.values(ErrorCode)) {
      expect(httpStatusOf(code)).toBeGreaterThanOrEqual(400);
      expect(httpStatusOf(code)).toBeLessThan(600);
    }
  });
});
