//! `natter admin …` manages organizations, websites and staff without the inbox
//! (issue 16): each step of one operator's session, with what it prints or refuses.

use std::process::Command;

/// Runs `natter admin` on `db` with `args` (and a password in the environment).
fn admin(db: &std::path::Path, args: &[&str]) -> (bool, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_natter"))
        .args([
            "admin",
            "--database-url",
            &format!("sqlite://{}", db.display()),
        ])
        .args(args)
        .env("NATTER_STAFF_PASSWORD", "a-long-password")
        .output()
        .expect("natter admin runs");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), text)
}

#[test]
fn an_operator_manages_orgs_websites_and_staff_from_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("natter.db");
    let web = ["--org", "acme", "--id", "web"];
    // (arguments, succeeds, printed)
    let steps: &[(Vec<&str>, bool, &str)] = &[
        (
            vec!["create-org", "--id", "acme", "--name", "Acme"],
            true,
            "created",
        ),
        (
            [
                &["create-account"][..],
                &web,
                &["--name", "Web", "--origin", "https://acme.example"],
            ]
            .concat(),
            true,
            "created",
        ),
        (
            vec![
                "create-staff",
                "--org",
                "acme",
                "--email",
                "o@acme.example",
                "--name",
                "O",
                "--role",
                "owner",
            ],
            true,
            "created",
        ),
        (
            vec![
                "create-staff",
                "--org",
                "acme",
                "--email",
                "a@acme.example",
                "--name",
                "A",
            ],
            true,
            "created",
        ),
        (
            vec!["update-org", "--id", "acme", "--name", "Acme Ltd"],
            true,
            "renamed",
        ),
        (vec!["list-orgs"], true, "acme\tAcme Ltd"),
        (
            [
                &["update-account"][..],
                &web,
                &[
                    "--add-origin",
                    "https://shop.acme.example",
                    "--theme-color",
                    "#123456",
                    "--greeting",
                    "Hey",
                ],
            ]
            .concat(),
            true,
            "updated",
        ),
        (
            vec!["list-accounts", "--org", "acme"],
            true,
            "web\tWeb\t#123456\thttps://acme.example https://shop.acme.example\tHey",
        ),
        (
            [
                &["update-account"][..],
                &web,
                &["--remove-origin", "https://acme.example"],
            ]
            .concat(),
            true,
            "updated",
        ),
        (
            [
                &["update-account"][..],
                &web,
                &["--remove-origin", "https://shop.acme.example"],
            ]
            .concat(),
            false,
            "at least one allowed origin",
        ),
        (
            [&["update-account"][..], &web, &["--theme-color", "red"]].concat(),
            false,
            "theme_color",
        ),
        (
            [
                &["update-account"][..],
                &web,
                &["--position", "left", "--away-message", "Back at 9"],
            ]
            .concat(),
            true,
            "updated",
        ),
        (
            [&["update-account"][..], &web, &["--position", "top"]].concat(),
            false,
            "position",
        ),
        (
            vec![
                "update-staff",
                "--email",
                "o@acme.example",
                "--role",
                "agent",
            ],
            false,
            "at least one owner",
        ),
        (
            vec!["delete-staff", "--email", "o@acme.example"],
            false,
            "at least one owner",
        ),
        (
            vec![
                "update-staff",
                "--email",
                "a@acme.example",
                "--role",
                "admin",
                "--name",
                "Ada",
            ],
            true,
            "updated",
        ),
        (
            vec!["list-staff", "--org", "acme"],
            true,
            "a@acme.example\tadmin\tAda",
        ),
        (
            vec!["reset-password", "--email", "A@acme.example"],
            true,
            "new password",
        ),
        (
            vec!["delete-staff", "--email", "a@acme.example"],
            true,
            "removed",
        ),
        (
            vec!["delete-staff", "--email", "a@acme.example"],
            false,
            "no staff member",
        ),
        ([&["delete-account"][..], &web].concat(), false, "--yes"),
        (
            [&["delete-account"][..], &web, &["--yes"]].concat(),
            true,
            "deleted",
        ),
        (vec!["list-accounts", "--org", "acme"], true, ""),
        (vec!["delete-org", "--id", "acme", "--yes"], true, "deleted"),
        (
            vec!["delete-org", "--id", "acme", "--yes"],
            false,
            "no organization acme",
        ),
    ];
    for (args, ok, printed) in steps {
        let (success, text) = admin(&db, args);
        assert_eq!(success, *ok, "{args:?}: {text}");
        assert!(
            text.contains(printed),
            "{args:?} printed {text:?}, not {printed:?}"
        );
    }
    let (_, text) = admin(&db, &["list-accounts", "--org", "acme"]);
    assert!(!text.contains("web\t"), "the website is gone: {text}");
}
