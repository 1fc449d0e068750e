import { PASSWORD_MAX_LENGTH, passwordProblem } from './password-policy.js';

describe('passwordProblem', () => {
  it('accepts a long uncommon password', () => {
    expect(passwordProblem('correct horse battery', 12)).toBeNull();
  });

  it('counts characters, not bytes', () => {
    expect(passwordProblem('密'.repeat(12), 12)).toBeNull();
    expect(passwordProblem('密'.repeat(11), 12)).toMatch(/at least 12/);
  });

  it('refuses short, overlong and common passwords', () => {
    expect(passwordProblem('short', 12)).toMatch(/at least 12/);
    expect(passwordProblem('x'.repeat(PASSWORD_MAX_LENGTH + 1), 12)).toMatch(/at most 1024/);
    expect(passwordProblem('x'.repeat(PASSWORD_MAX_LENGTH), 12)).toBeNull();
    expect(passwordProblem('Password1234', 12)).toMatch(/too common/);
  });

  it('follows the configured minimum', () => {
    expect(passwordProblem('abcdefgh-x', 8)).toBeNull();
    expect(passwordProblem('abcdefgh-x', 16)).toMatch(/at least 16/);
  });
});
