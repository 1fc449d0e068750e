/** Who made an authenticated request: set on the request by JwtStrategy. */
export interface AuthenticatedAdmin {
  adminId: string;
  orgId: string;
}
