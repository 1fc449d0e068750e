import { MemberRole } from '../../common/access/member-role.js';
import { MemberRoleField } from './member-role.field.js';

export class ChangeRoleDto {
  /** The member's new role; granting, changing or removing `owner` needs an owner. */
  @MemberRoleField()
  role: MemberRole;
}
