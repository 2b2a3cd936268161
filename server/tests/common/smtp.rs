//! aiosmtpd (installed by `scripts/setup.sh`) on a free loopback port: the real SMTP
//! server the email tests send to. Shared by the in-process and the process tests.

use natter_server::config::MailArgs;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// aiosmtpd on a free loopback port, storing what it receives in a maildir.
pub struct SmtpServer {
    child: Child,
    pub port: u16,
    maildir: tempfile::TempDir,
}

impl SmtpServer {
    pub async fn start() -> Self {
        let python = std::env::var_os("NATTER_TEST_SMTPD_PYTHON").map_or_else(
            || Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/smtpd-venv/bin/python"),
            PathBuf::from,
        );
        assert!(
            python.exists(),
            "{} is missing: run scripts/setup.sh (it installs aiosmtpd)",
            python.display()
        );
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let maildir = tempfile::tempdir().expect("maildir");
        let child = Command::new(python)
            .args(["-m", "aiosmtpd", "-n", "-l", &format!("127.0.0.1:{port}")])
            .args(["-c", "aiosmtpd.handlers.Mailbox"])
            .arg(maildir.path().join("mail"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("aiosmtpd starts");
        // Owned at once, so that a failure below still stops it (Drop).
        let server = Self {
            child,
            port,
            maildir,
        };
        for _ in 0..200 {
            if tokio::net::TcpStream::connect(("127.0.0.1", port))
                .await
                .is_ok()
            {
                return server;
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        drop(server);
        panic!("aiosmtpd did not listen on {port}");
    }

    pub fn settings(&self) -> MailArgs {
        MailArgs {
            smtp_url: Some(format!("smtp://127.0.0.1:{}", self.port)),
            mail_from: Some("Natter <natter@shop.example>".into()),
            public_url: Some("https://chat.shop.example/".into()),
            ..MailArgs::default()
        }
    }

    /// Every message received so far, raw.
    pub fn messages(&self) -> Vec<String> {
        let new = self.maildir.path().join("mail/new");
        let mut found: Vec<String> = std::fs::read_dir(new)
            .map(|dir| {
                dir.flatten()
                    .filter_map(|e| std::fs::read_to_string(e.path()).ok())
                    .collect()
            })
            .unwrap_or_default();
        found.sort();
        found
    }
}

impl Drop for SmtpServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A raw email with its quoted-printable soft line breaks and `=3D` undone.
pub fn decoded(mail: &str) -> String {
    mail.replace("=\r\n", "")
        .replace("=\n", "")
        .replace("=3D", "=")
}
