/** Who made an authenticated request: set on the request by JwtStrategy. */
export interface AuthenticatedAdmin {
  adminId: string;
  orgId: string;
  /** The credential version the token was issued for (equal to the stored one when it was checked). */
  credentialVersion: number;
}
