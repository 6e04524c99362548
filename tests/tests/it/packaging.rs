//! The appliance package: built with cargo-deb from this build's binaries and the same
//! package definition `packaging/build-deb` uses for release; its fields, files, units and
//! maintainer scripts checked; installed into a throwaway root and run from there.

#![allow(clippy::unwrap_used)] // a test that cannot unwrap should fail loudly

use std::path::{Path, PathBuf};
use std::process::Command;

use intake_tests::binary;

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

fn run(cmd: &mut Command) -> String {
    let out = cmd.output().unwrap_or_else(|e| panic!("{cmd:?}: {e}"));
    assert!(
        out.status.success(),
        "{cmd:?} failed: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Builds the .deb from the binaries beside this test (cargo-deb takes them from
/// `<target>/release/`, so they are staged in a target directory of their own).
fn build_deb(tmp: &Path) -> PathBuf {
    let staged = tmp.join("target");
    std::fs::create_dir_all(staged.join("release")).unwrap();
    for name in ["intake-agent", "intake-kiosk"] {
        let built = binary(name);
        assert!(
            built.exists(),
            "{} is not built: run the workspace's tests (cargo test --workspace)",
            built.display()
        );
        std::fs::copy(&built, staged.join("release").join(name)).unwrap();
    }
    let deb = tmp.join("intake.deb");
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    run(Command::new(cargo)
        .current_dir(workspace())
        .env("CARGO_TARGET_DIR", &staged)
        .args([
            "deb",
            "--no-build",
            "--locked",
            // Quick compression: the test checks what is inside, not its size.
            "--fast",
            "-p",
            "intake-agent",
            "--output",
        ])
        .arg(&deb));
    deb
}

#[test]
fn the_deb_holds_both_programs_units_settings_and_scripts_and_installs_into_a_root() {
    let tmp = tempfile::tempdir().unwrap();
    let deb = build_deb(tmp.path());

    let field = |name: &str| {
        run(Command::new("dpkg-deb").arg("--field").arg(&deb).arg(name))
            .trim()
            .to_string()
    };
    assert_eq!(field("Package"), "intake");
    assert_eq!(field("Version"), format!("{}-1", env!("CARGO_PKG_VERSION")));
    let depends = field("Depends");
    for needed in [
        "libc6",
        "adduser",
        "ca-certificates",
        "cage",
        "xwayland",
        "systemd",
    ] {
        assert!(
            depends.contains(needed),
            "Depends lacks {needed}: {depends}"
        );
    }

    let contents = run(Command::new("dpkg-deb").arg("--contents").arg(&deb));
    for path in [
        "./usr/bin/intake-agent",
        "./usr/bin/intake-kiosk",
        "./usr/share/intake/assets/shop.toml",
        "./usr/share/intake/assets/release-template.toml",
        "./usr/share/intake/assets/health-questions.toml",
        "./usr/share/intake/assets/logo.png",
        "./usr/share/doc/intake/README.md",
        "./etc/intake/intake.env",
        "./etc/pam.d/intake-kiosk",
        "./lib/systemd/system/intake-agent.service",
        "./lib/systemd/system/intake-kiosk.service",
        "./lib/systemd/system/intake-backup.service",
        "./lib/systemd/system/intake-backup.timer",
    ] {
        assert!(
            contents.lines().any(|l| l.ends_with(path)),
            "{path} is not in the package:\n{contents}"
        );
    }
    let env_line = contents
        .lines()
        .find(|l| l.ends_with("./etc/intake/intake.env"))
        .unwrap();
    assert!(
        env_line.starts_with("-rw-r-----"),
        "the settings file is not world-readable: {env_line}"
    );

    // The control area: conffiles and the maintainer scripts.
    let control = tmp.path().join("control");
    run(Command::new("dpkg-deb").arg("-e").arg(&deb).arg(&control));
    let conffiles = std::fs::read_to_string(control.join("conffiles")).unwrap();
    assert!(conffiles.contains("/etc/intake/intake.env"), "{conffiles}");
    assert!(conffiles.contains("/etc/pam.d/intake-kiosk"), "{conffiles}");
    for script in ["postinst", "prerm", "postrm"] {
        let path = control.join(script);
        run(Command::new("sh").arg("-n").arg(&path));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o111, 0o111, "{script} is executable");
        }
    }
    let postinst = std::fs::read_to_string(control.join("postinst")).unwrap();
    for expected in [
        "adduser --system --group --home /var/lib/intake",
        "install -d -m 0700 -o intake -g intake /var/lib/intake",
        "chmod 0600 \"$f\"",
        "deb-systemd-helper enable \"$unit\"",
        "intake-agent.service intake-kiosk.service intake-backup.timer",
    ] {
        assert!(postinst.contains(expected), "postinst lacks {expected:?}");
    }
    let postrm = std::fs::read_to_string(control.join("postrm")).unwrap();
    assert!(
        !postrm.contains("rm -rf"),
        "purging the package never deletes customer records"
    );

    // Installed into a throwaway root, it runs from there.
    let root = tmp.path().join("root");
    run(Command::new("dpkg-deb").arg("-x").arg(&deb).arg(&root));
    let version = run(Command::new(root.join("usr/bin/intake-agent")).arg("--version"));
    assert_eq!(
        version.trim(),
        format!("intake-agent {}", env!("CARGO_PKG_VERSION"))
    );
    let version = run(Command::new(root.join("usr/bin/intake-kiosk")).arg("--version"));
    assert!(version.starts_with("intake-kiosk "), "{version}");
    // With the shipped settings file, the agent makes its data directory private.
    let env = std::fs::read_to_string(root.join("etc/intake/intake.env")).unwrap();
    assert!(env.contains("INTAKE_DATA_DIR=/var/lib/intake"));
    let data = root.join("var/lib/intake");
    run(Command::new(root.join("usr/bin/intake-agent"))
        .arg("--data-dir")
        .arg(&data)
        .arg("status"));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&data), 0o700);
        assert_eq!(mode(&data.join("intake.db")), 0o600);
        assert_eq!(mode(&data.join("secret.key")), 0o600);
    }

    // The units: a dedicated user, restarts, the watchdog, the journal.
    let unit =
        |name: &str| std::fs::read_to_string(root.join("lib/systemd/system").join(name)).unwrap();
    let agent = unit("intake-agent.service");
    for line in [
        "Type=notify",
        "User=intake",
        "Restart=on-failure",
        "WatchdogSec=",
        "EnvironmentFile=/etc/intake/intake.env",
        "ReadWritePaths=/var/lib/intake",
        "LimitNOFILE=4096",
        "exec /usr/bin/intake-agent serve",
        "exec /usr/bin/intake-agent run",
    ] {
        assert!(agent.contains(line), "intake-agent.service lacks {line:?}");
    }
    let kiosk = unit("intake-kiosk.service");
    for line in [
        "User=intake",
        "PAMName=intake-kiosk",
        "TTYPath=/dev/tty1",
        "Restart=always",
        "/usr/bin/cage",
        "/usr/bin/intake-kiosk",
    ] {
        assert!(kiosk.contains(line), "intake-kiosk.service lacks {line:?}");
    }
    assert!(!agent.contains("User=root") && !kiosk.contains("User=root"));
    let timer = unit("intake-backup.timer");
    assert!(timer.contains("OnCalendar="));
    assert!(unit("intake-backup.service").contains("intake-agent backup --out"));
}
