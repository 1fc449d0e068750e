export class LoginResponseDto {
  /** HS256 JWT to send as `Authorization: Bearer <token>`. */
  access_token: string;
  /** Always `bearer`. */
  token_type: 'bearer';
  /** Seconds until the token expires. */
  expires_in: number;
  admin_id: string;
  org_id: string;
}
