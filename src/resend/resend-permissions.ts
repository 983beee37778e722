/**
 * Who may make money leave an account: the port the re-send domain asks (implemented by
 * accounts/roles.ts: the owner, ALLOWED_USER_IDS for the deployment's own account, or staff the owner
 * allowed to re-send; a staff group's members only when they are such staff themselves). Asked when a
 * press would confirm, and again by the offer worker right before the POST.
 */
export interface ResendPermissions {
  mayResend(accountId: string, userId: number): Promise<boolean>;
}
