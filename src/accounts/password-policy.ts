export const PASSWORD_MAX_LENGTH = 1024;
/** PASSWORD_MIN_LENGTH's default, as the API docs state it. */
export const DEFAULT_PASSWORD_MIN_LENGTH = 12;

/**
 * The most common passwords that are long enough to pass a length rule (from public breach
 * corpora). Length alone does not stop these, so they are refused outright.
 */
const COMMON_PASSWORDS = new Set([
  '123456789012',
  '1234567890123',
  '12345678901234',
  '123456789123',
  '111111111111',
  '000000000000',
  '123123123123',
  'password1234',
  'password12345',
  'password123456',
  'password123!',
  'passwordpassword',
  'qwertyuiop12',
  'qwertyuiopasdf',
  'qwerty123456',
  '1qaz2wsx3edc',
  '1q2w3e4r5t6y',
  'q1w2e3r4t5y6',
  'iloveyou1234',
  'abcdefghijkl',
  'abc123abc123',
  'administrator',
  'admin1234567',
  'adminadmin123',
  'letmein12345',
  'welcome12345',
  'welcome123456',
  'changeme1234',
  'trustno1trustno1',
  'football1234',
  'baseball1234',
  'superman1234',
  'sunshine1234',
  'princess1234',
  'monkey123456',
  'dragon123456',
  'starwars1234',
  'whatever1234',
  'p@ssw0rd1234',
  'passw0rd1234',
  'zaq12wsxcde3',
  'asdfghjkl123',
  'asdfasdfasdf',
  'qwertyqwerty',
  'aaaaaaaaaaaa',
  'correcthorsebatterystaple',
  'password',
  '12345678',
  '123456789',
  '1234567890',
  'qwertyuiop',
  'iloveyou',
  'sunshine',
  'football',
  'baseball',
]);

/** Why a password is refused, or null. Length counts characters; nothing is truncated. */
export function passwordProblem(password: string, minLength: number): string | null {
  const length = [...password].length;
  if (length < minLength) return `password must be at least ${minLength} characters`;
  if (length > PASSWORD_MAX_LENGTH) return `password must be at most ${PASSWORD_MAX_LENGTH} characters`;
  if (COMMON_PASSWORDS.has(password.toLowerCase())) return 'password is too common; choose another';
  return null;
}
