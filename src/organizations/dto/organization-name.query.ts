import { OrganizationNameField } from './organization-name.field.js';

export class OrganizationNameQuery {
  @OrganizationNameField()
  organization_name: string;
}
