//! Who may change a server's schedules and settings.

use super::RoleId;

/// A moderator has Manage Server (as Discord reports the member's
/// permissions in the interaction) or the server's moderator role. Checked
/// by the bot on every moderator command, whatever Discord's command
/// permissions say: server admins can expose any command to anyone.
pub fn is_moderator(manage_server: bool, roles: &[RoleId], moderator_role: Option<RoleId>) -> bool {
    manage_server || moderator_role.is_some_and(|role| roles.contains(&role))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn manage_server_or_the_moderator_role() {
        assert!(is_moderator(true, &[], None));
        assert!(is_moderator(
            false,
            &[RoleId(1), RoleId(5)],
            Some(RoleId(5))
        ));
        assert!(!is_moderator(false, &[RoleId(1)], Some(RoleId(5))));
        assert!(!is_moderator(false, &[RoleId(1)], None));
    }
}
