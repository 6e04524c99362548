//! The admin command line, run as a real process on real files.

#![allow(clippy::unwrap_used)] // a test that cannot unwrap should fail loudly

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

/// Sample customer lists in the studio and snake-case layouts, kept in the repository.
const SAMPLES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/data");

pub(crate) struct Shop {
    dir: tempfile::TempDir,
}

impl Shop {
    /// A fresh data directory with an owner `olive` (PIN 135790).
    pub(crate) fn new() -> Self {
        let shop = Shop {
            dir: tempfile::tempdir().unwrap(),
        };
        intake_tests::cluster::mark_store(&shop.data());
        let out = shop.run_as(None, "135790", &["user", "add", "olive", "--role", "owner"]);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        shop
    }

    pub(crate) fn data(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    pub(crate) fn file(&self, name: &str, bytes: impl AsRef<[u8]>) -> PathBuf {
        let p = self.dir.path().join(name);
        std::fs::write(&p, bytes).unwrap();
        p
    }

    pub(crate) fn run_as(&self, user: Option<&str>, pin: &str, args: &[&str]) -> Output {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_intake-agent"));
        cmd.arg("--data-dir")
            .arg(self.data())
            .envs(intake_tests::cluster::database_env(&self.data()))
            .args(args)
            .env("INTAKE_PIN", pin)
            .env_remove("INTAKE_USER");
        if let Some(u) = user {
            cmd.arg("--user").arg(u);
        }
        cmd.output().unwrap()
    }

    /// Runs as olive and expects success.
    pub(crate) fn ok(&self, args: &[&str]) -> String {
        let out = self.run_as(Some("olive"), "135790", args);
        assert!(
            out.status.success(),
            "{args:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    }

    pub(crate) fn json(&self, args: &[&str]) -> Value {
        serde_json::from_str(&self.ok(args)).unwrap()
    }

    pub(crate) fn fails(&self, args: &[&str]) -> (i32, String) {
        let out = self.run_as(Some("olive"), "135790", args);
        assert!(!out.status.success(), "{args:?} should fail");
        (
            out.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    }

    pub(crate) fn count(&self) -> usize {
        self.json(&["customer", "list", "--json"])
            .as_array()
            .unwrap()
            .len()
    }

    fn add_user(&self, name: &str, role: &str, pin: &str) {
        let out = Command::new(env!("CARGO_BIN_EXE_intake-agent"))
            .arg("--data-dir")
            .arg(self.data())
            .envs(intake_tests::cluster::database_env(&self.data()))
            .args(["--user", "olive", "user", "add", name, "--role", role])
            .env("INTAKE_PIN", "135790")
            .env("INTAKE_NEW_PIN", pin)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

pub(crate) fn import_json(shop: &Shop, path: &Path, extra: &[&str]) -> Value {
    let mut args = vec!["import", path.to_str().unwrap(), "--json"];
    args.extend_from_slice(extra);
    shop.json(&args)
}

#[test]
fn sign_in_rules() {
    let shop = Shop::new();
    let out = shop.run_as(None, "135790", &["customer", "list"]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("--user NAME"));
    let out = shop.run_as(Some("olive"), "9999", &["customer", "list"]);
    assert_eq!(out.status.code(), Some(3));
    assert!(String::from_utf8_lossy(&out.stderr).contains("unknown user or wrong PIN"));
    let out = shop.run_as(None, "135790", &["user", "add", "bob", "--role", "artist"]);
    assert!(
        !out.status.success(),
        "only the first user needs no signed-in user"
    );
    shop.add_user("fred", "front-desk", "2222");
    let out = shop.run_as(Some("fred"), "2222", &["export"]);
    assert_eq!(out.status.code(), Some(3));
    assert!(String::from_utf8_lossy(&out.stderr).contains("export:customer"));
}

#[test]
fn imports_both_sample_layouts_and_reimports_without_duplicating() {
    let shop = Shop::new();
    let studio = Path::new(SAMPLES).join("customers-rev23-sample.csv");
    let r = import_json(&shop, &studio, &[]);
    assert_eq!(
        (r["created"].as_u64(), r["failed"].as_u64()),
        (Some(300), Some(0)),
        "{r}"
    );
    assert_eq!(r["errors"], Value::Array(vec![]));
    let again = import_json(&shop, &studio, &[]);
    assert_eq!(
        (again["created"].as_u64(), again["unchanged"].as_u64()),
        (Some(0), Some(300))
    );
    // The seed-003 file shares ten e-mail addresses with the studio file: those update.
    let snake = Path::new(SAMPLES).join("customers-snake-sample.csv");
    let r = import_json(&shop, &snake, &[]);
    assert_eq!(r["format"], "snake");
    assert_eq!(
        r["created"].as_u64().unwrap() + r["updated"].as_u64().unwrap(),
        300
    );
    assert_eq!(shop.count() as u64, 300 + r["created"].as_u64().unwrap());
}

#[test]
fn a_file_that_cannot_be_used_writes_nothing_and_says_why() {
    let shop = Shop::new();
    let good = shop.file(
        "good.csv",
        "FirstName,LastName,PhoneNumber,Birthdate\nAnn,Lee,5125550121,1990-01-02\n",
    );
    import_json(&shop, &good, &[]);
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        ("empty.csv", b"".to_vec(), "empty"),
        ("blank.csv", b"\n\n".to_vec(), "empty"),
        (
            "photo.csv",
            b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec(),
            "not a CSV text file",
        ),
        (
            "spaced.csv",
            b"First Name,LastName,PhoneNumber,Birthdate\nBo,Lee,,\n".to_vec(),
            "FirstName (the file has \"First Name\"",
        ),
        (
            "nophone.csv",
            b"FirstName,LastName,Birthdate\nBo,Lee,1990-01-01\n".to_vec(),
            "missing: PhoneNumber",
        ),
        (
            "noheader.csv",
            b"Ann,Lee,5125550121,1990-01-02\nBo,Kim,5125550122,1991-02-03\n".to_vec(),
            "the first line is not a header",
        ),
        (
            "twice.csv",
            b"FirstName,LastName,PhoneNumber,Birthdate,FirstName\n".to_vec(),
            "both fill FirstName",
        ),
    ];
    for (name, bytes, expected) in cases {
        let p = shop.file(name, bytes);
        let (code, stderr) = shop.fails(&["import", p.to_str().unwrap()]);
        assert_eq!(code, 1, "{name}");
        assert!(stderr.contains(expected), "{name}: {stderr}");
        assert!(
            stderr.contains(name),
            "{name}: the message names the file: {stderr}"
        );
    }
    let missing = shop.dir.path().join("nope.csv");
    let (_, stderr) = shop.fails(&["import", missing.to_str().unwrap()]);
    assert!(stderr.contains("nope.csv"), "{stderr}");
    assert_eq!(shop.count(), 1, "nothing was written by the failed files");
}

#[test]
fn nasty_files_read_right_and_bad_rows_are_named_by_line_and_column() {
    let shop = Shop::new();
    // UTF-8 BOM, CRLF, quoted commas, a quoted line break (which moves later line numbers),
    // a Windows-1252 byte, and rows with a bad date, a bad e-mail and too many fields.
    let mut csv =
        b"\xef\xbb\xbfLastName,FirstName,PhoneNumber,Birthdate,Email,Notes,Street\r\n".to_vec();
    csv.extend_from_slice(b"Lee,Ann,(512) 555-0121,1990-01-02,ann@example.com,\"likes \"\"fine line\"\", black\r\nand grey\",\"1 Main St, Apt 2\"\r\n");
    csv.extend_from_slice(b"Mu\xf1oz,Jos\xe9,512-555-0122,1985-13-45,jose@example.com,,\r\n");
    csv.extend_from_slice(b"Kim,Bo,512 555 0123,1970-05-06,bo-at-example.com,,\r\n");
    csv.extend_from_slice(b"Park,Jo,512 555 0124,1970-05-06,jo@example.com,,,extra\r\n");
    csv.extend_from_slice(b"Mu\xf1oz,Jos\xe9,512-555-0125,1985-12-01,jose@example.com,,\r\n");
    csv.extend_from_slice(b",,,,,,\r\n");
    let p = shop.file("nasty.csv", csv);
    let r = import_json(&shop, &p, &[]);
    assert_eq!(r["created"], 2, "{r:#}");
    assert_eq!(r["failed"], 4, "{r:#}");
    let errors = r["errors"].as_array().unwrap();
    let at = |line: u64| {
        errors
            .iter()
            .find(|e| e["line"] == line)
            .unwrap_or_else(|| panic!("no error on line {line}: {r:#}"))
    };
    assert_eq!(at(4)["column"], "Birthdate");
    assert!(at(4)["message"].as_str().unwrap().contains("1985-13-45"));
    assert_eq!(at(5)["column"], "Email");
    assert!(at(6)["message"].as_str().unwrap().contains("8 fields"));
    assert!(at(8)["message"].as_str().unwrap().contains("at least one"));
    let list = shop.json(&["customer", "list", "--json"]);
    let ann = list
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["FirstName"] == "Ann")
        .unwrap();
    assert_eq!(ann["Notes"], "likes \"fine line\", black\nand grey");
    assert_eq!(ann["Street"], "1 Main St, Apt 2");
    assert!(
        list.as_array()
            .unwrap()
            .iter()
            .any(|c| c["LastName"] == "Muñoz" && c["FirstName"] == "José")
    );
}

#[test]
fn utf16_files_import() {
    let shop = Shop::new();
    let text = "first_name,last_name,email,phone,birthday\r\nZoë,Van der Berg,zoe@example.com,+1 200 943 0002,1986-07-29\r\n";
    let mut le = vec![0xFF, 0xFE];
    le.extend(text.encode_utf16().flat_map(u16::to_le_bytes));
    let r = import_json(&shop, &shop.file("le.csv", le), &[]);
    assert_eq!(r["created"], 1, "{r}");
    let be: Vec<u8> = text
        .replace("zoe@", "zoe2@")
        .replace("0002", "0003")
        .encode_utf16()
        .flat_map(u16::to_be_bytes)
        .collect();
    let r = import_json(&shop, &shop.file("be.csv", be), &[]);
    assert_eq!(r["created"], 1, "{r}");
    let list = shop.json(&["customer", "list", "--json"]);
    assert!(
        list.as_array()
            .unwrap()
            .iter()
            .all(|c| c["FirstName"] == "Zoë")
    );
}

#[test]
fn dates_are_never_guessed() {
    let shop = Shop::new();
    let ambiguous = shop.file(
        "amb.csv",
        "FirstName,LastName,PhoneNumber,Birthdate\nAnn,Lee,,03/04/1990\nBo,Kim,,05/06/1991\n",
    );
    let (_, stderr) = shop.fails(&["import", ambiguous.to_str().unwrap()]);
    assert!(stderr.contains("--date-format"), "{stderr}");
    assert!(stderr.contains("line 2"), "{stderr}");
    assert_eq!(shop.count(), 0);
    import_json(&shop, &ambiguous, &["--date-format", "dmy"]);
    let list = shop.json(&["customer", "list", "--json"]);
    assert_eq!(list[0]["Birthdate"], "1990-04-03");
    // A telling date anywhere in the file settles the order for the ambiguous ones.
    let told = shop.file(
        "told.csv",
        "FirstName,LastName,PhoneNumber,Birthdate\nCy,Ng,,03/04/1990\nDi,Ng,,12/31/1991\n",
    );
    let r = import_json(&shop, &told, &[]);
    assert_eq!(r["created"], 2);
    let list = shop.json(&["customer", "list", "--json"]);
    assert!(
        list.as_array()
            .unwrap()
            .iter()
            .any(|c| c["FirstName"] == "Cy" && c["Birthdate"] == "1990-03-04")
    );
    let mixed = shop.file("mixed.csv", "FirstName,LastName,PhoneNumber,Birthdate\nEd,Ng,,03/04/1990\nFy,Ng,,31/12/1991\nGo,Ng,,12/31/1991\n");
    let (_, stderr) = shop.fails(&["import", mixed.to_str().unwrap()]);
    assert!(stderr.contains("different orders"), "{stderr}");
    // An order shown early does not decide for the rest: the whole column is read first.
    let late = shop.file(
        "late.csv",
        "FirstName,LastName,PhoneNumber,Birthdate\nHa,Ng,,31/12/1991\nIo,Ng,,03/04/1990\nJu,Ng,,12/31/1991\n",
    );
    let (_, stderr) = shop.fails(&["import", late.to_str().unwrap()]);
    assert!(stderr.contains("different orders"), "{stderr}");
    // --date-format iso means ISO only.
    let r = import_json(&shop, &ambiguous, &["--date-format", "iso", "--dry-run"]);
    assert_eq!(r["failed"], 2, "{r}");
    assert!(
        r["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("not an ISO date")
    );
}

#[test]
fn snake_rows_update_the_customer_they_identify() {
    let shop = Shop::new();
    let first = shop.file("a.csv", "first_name,last_name,email,phone,city\nAnn,Lee,ann@example.com,(512) 555-0121,Austin\nBo,Kim,bo@example.com,512-555-0199,Dallas\n");
    import_json(&shop, &first, &[]);
    let second = shop.file(
        "b.csv",
        "first_name,last_name,email,phone,city\n,,,+15125550121,Houston\nX,Y,bo@example.com,+15125550121,\n,,,,\n",
    );
    let r = import_json(&shop, &second, &[]);
    assert_eq!(
        (r["updated"].as_u64(), r["failed"].as_u64()),
        (Some(1), Some(2)),
        "{r:#}"
    );
    let conflict = &r["errors"][0];
    assert_eq!(conflict["line"], 3);
    assert!(
        conflict["message"].as_str().unwrap().contains("another"),
        "{conflict}"
    );
    let list = shop.json(&["customer", "list", "--json"]);
    let ann = &list[0];
    assert_eq!(
        (ann["City"].as_str(), ann["FirstName"].as_str()),
        (Some("Houston"), Some("Ann")),
        "empty cells keep stored values"
    );

    // A child listed with a parent's phone is a different person, not an update of the parent.
    let family = shop.file(
        "family.csv",
        "first_name,last_name,phone,birthday\nMia,Lee,(512) 555-0121,2015-06-01\nAnn,Lee,(512) 555-0121,\n",
    );
    let r = import_json(&shop, &family, &[]);
    assert_eq!(
        (r["failed"].as_u64(), r["updated"].as_u64()),
        (Some(1), Some(1)),
        "{r:#}"
    );
    assert!(
        r["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("belongs to Ann Lee, but this row is Mia Lee (born 2015-06-01)"),
        "{r:#}"
    );
}

#[test]
fn mapped_columns_and_dry_run() {
    let shop = Shop::new();
    let other_app = shop.file(
        "other.csv",
        "Given,Surname,Mobile,DOB,Shoe size\nAnn,Lee,5125550121,1990-01-02,38\n",
    );
    let (_, stderr) = shop.fails(&["import", other_app.to_str().unwrap()]);
    assert!(stderr.contains("FirstName"), "{stderr}");
    let maps = [
        "--map",
        "Given=FirstName",
        "--map",
        "Surname=LastName",
        "--map",
        "Mobile=PhoneNumber",
        "--map",
        "DOB=Birthdate",
    ];
    let mut dry = maps.to_vec();
    dry.push("--dry-run");
    let r = import_json(&shop, &other_app, &dry);
    assert_eq!(
        (r["created"].as_u64(), r["dry_run"].as_bool()),
        (Some(1), Some(true))
    );
    assert_eq!(shop.count(), 0, "a dry run writes nothing");
    let r = import_json(&shop, &other_app, &maps);
    assert_eq!(r["created"], 1);
    assert_eq!(
        r["ignored_columns"][0],
        "Shoe size (not a column Intake knows)"
    );
}

#[test]
fn export_round_trips_neutralises_formulas_and_is_audited() {
    let shop = Shop::new();
    let studio = Path::new(SAMPLES).join("customers-rev23-sample.csv");
    import_json(&shop, &studio, &[]);
    let out = shop.dir.path().join("export.csv");
    // A link left where the export writes its temporary file is replaced, not followed.
    let victim = shop.file("victim.txt", "untouched");
    #[cfg(unix)]
    std::os::unix::fs::symlink(&victim, shop.dir.path().join("export.csv.partial")).unwrap();
    shop.ok(&["export", "--out", out.to_str().unwrap()]);
    assert_eq!(std::fs::read_to_string(&victim).unwrap(), "untouched");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&out).unwrap().permissions().mode();
        assert_eq!(
            mode & 0o777,
            0o600,
            "an export is readable by its owner only"
        );
    }
    let text = std::fs::read_to_string(&out).unwrap();
    assert!(text.starts_with("Id,FirstName,MiddleName,LastName"));
    assert!(
        text.contains("'=HYPERLINK"),
        "formula cells are neutralised"
    );
    assert!(!text.contains(",=HYPERLINK") && !text.contains(",\"=HYPERLINK"));

    let fresh = Shop::new();
    let r = import_json(&fresh, &out, &[]);
    assert_eq!(
        (r["created"].as_u64(), r["failed"].as_u64()),
        (Some(300), Some(0)),
        "{r}"
    );
    let strip = |v: Value| -> Vec<Value> {
        v.as_array()
            .unwrap()
            .iter()
            .map(|c| {
                let mut c = c.clone();
                c.as_object_mut()
                    .unwrap()
                    .retain(|k, _| k != "CreatedAt" && k != "UpdatedAt");
                c
            })
            .collect()
    };
    assert_eq!(
        strip(shop.json(&["customer", "list", "--json"])),
        strip(fresh.json(&["customer", "list", "--json"]))
    );
    let again = import_json(&fresh, &out, &[]);
    assert_eq!(again["unchanged"], 300, "{again}");

    let audit = shop.json(&["audit", "--json"]);
    assert!(
        audit
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["action"] == "customer.export" && e["actor"] == "olive")
    );
    assert!(
        audit
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["action"] == "customer.list"),
        "full listings are audited too"
    );

    let some = shop.ok(&["export", "--columns", "LastName,Email"]);
    assert!(some.starts_with("LastName,Email\n"));
    let (_, stderr) = shop.fails(&["export", "--columns", "Shoe"]);
    assert!(stderr.contains("unknown column \"Shoe\""), "{stderr}");
    let xlsx = shop.dir.path().join("export.xlsx");
    shop.ok(&[
        "export",
        "--format",
        "xlsx",
        "--out",
        xlsx.to_str().unwrap(),
    ]);
    assert!(std::fs::read(&xlsx).unwrap().starts_with(b"PK"));
}

#[test]
fn medical_details_follow_the_permission_everywhere() {
    let shop = Shop::new();
    let id = shop
        .ok(&[
            "customer",
            "add",
            "--set",
            "FirstName=Ann",
            "--set",
            "LastName=Lee",
        ])
        .trim()
        .to_string();
    shop.ok(&[
        "customer",
        "medical",
        &id,
        "--kind",
        "allergy",
        "--name",
        "latex",
        "--details",
        "hives",
    ]);
    shop.add_user("fred", "front-desk", "2222");
    shop.add_user("mia", "manager", "333333");
    let as_fred = shop.run_as(Some("fred"), "2222", &["customer", "show", &id, "--json"]);
    let fred: Value = serde_json::from_slice(&as_fred.stdout).unwrap();
    assert_eq!(fred["MedicalConditions"], serde_json::json!({"count": 1}));
    let as_fred = shop.run_as(
        Some("fred"),
        "2222",
        &[
            "customer", "medical", &id, "--kind", "allergy", "--name", "x",
        ],
    );
    assert_eq!(as_fred.status.code(), Some(3));
    let olive = shop.json(&["customer", "show", &id, "--json"]);
    assert_eq!(olive["MedicalConditions"][0]["name"], "latex");
    let full = shop.ok(&["export"]);
    assert!(full.contains("allergy: latex (hives)"));
    let mia = shop.run_as(Some("mia"), "333333", &["export"]);
    assert!(String::from_utf8_lossy(&mia.stdout).contains("MedicalConditions"));
    let audit = shop.json(&["audit", "--json"]);
    let actions: Vec<&str> = audit
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert!(
        actions.contains(&"medical.view") && actions.contains(&"medical.export"),
        "{actions:?}"
    );
}

#[test]
fn duplicates_merge_and_not_duplicate() {
    let shop = Shop::new();
    let csv = shop.file("d.csv", "FirstName,LastName,PhoneNumber,Birthdate,Email,City\nAnn,Lee,5125550001,1990-01-02,,\nAnnie, LEE ,5125550002,1990-01-02,annie@example.com,Austin\nAmy,lee,5125550003,1990-01-02,,\nBo,Lee,5125550004,1991-01-02,,\n");
    import_json(&shop, &csv, &[]);
    let groups = shop.json(&["duplicates", "--json"]);
    let groups = groups.as_array().unwrap();
    assert_eq!(groups.len(), 1);
    assert_eq!(groups[0]["target"]["FirstName"], "Ann");
    let dups = groups[0]["duplicates"].as_array().unwrap();
    assert_eq!(dups.len(), 2);
    let target = groups[0]["target"]["id"].as_str().unwrap().to_string();
    let annie = dups.iter().find(|d| d["FirstName"] == "Annie").unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let amy = dups.iter().find(|d| d["FirstName"] == "Amy").unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    shop.ok(&["customer", "note", &annie, "met at the convention"]);
    shop.ok(&["not-duplicate", &target, &amy]);
    let groups = shop.json(&["duplicates", "--json"]);
    assert_eq!(groups[0]["duplicates"].as_array().unwrap().len(), 1);
    let report = shop.json(&["merge", &target, &annie, "--json"]);
    assert_eq!(report["records_moved"], 1);
    assert_eq!(shop.json(&["duplicates", "--json"]), serde_json::json!([]));
    let survivor = shop.json(&["customer", "show", &annie, "--json"]);
    assert_eq!(
        survivor["id"],
        target.as_str(),
        "a merged id resolves to the survivor"
    );
    assert_eq!(survivor["Email"], "annie@example.com");
    assert_eq!(survivor["City"], "Austin");
    assert_eq!(
        survivor["CustomerNotes"][0]["body"],
        "met at the convention"
    );
    assert_eq!(shop.count(), 3);
    let (_, stderr) = shop.fails(&["merge", &target, "not-an-id"]);
    assert!(stderr.contains("not a customer id"), "{stderr}");
}

#[test]
fn output_into_a_closed_pipe_is_not_an_error() {
    for args in [
        &["customer", "list"][..],
        &["export"][..],
        &["duplicates", "--json"][..],
    ] {
        closed_pipe(args);
    }
}

fn closed_pipe(args: &[&str]) {
    let shop = Shop::new();
    let studio = Path::new(SAMPLES).join("customers-rev23-sample.csv");
    import_json(&shop, &studio, &[]);
    let mut child = Command::new(env!("CARGO_BIN_EXE_intake-agent"))
        .arg("--data-dir")
        .arg(shop.data())
        .envs(intake_tests::cluster::database_env(&shop.data()))
        .args(["--user", "olive"])
        .args(args)
        .env("INTAKE_PIN", "135790")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(!String::from_utf8_lossy(&out.stderr).contains("panicked"));
}

#[test]
fn error_lines_are_the_lines_an_editor_shows() {
    let shop = Shop::new();
    for (name, nl) in [("lf.csv", "\n"), ("crlf.csv", "\r\n"), ("cr.csv", "\r")] {
        let text = format!(
            "FirstName,LastName,PhoneNumber,Birthdate,Notes{nl}Ann,Lee,,1990-01-01,\"two{nl}lines\"{nl}Bo,Kim,,bad,{nl}Cy,Ng,,1990-13-01,{nl}"
        );
        for (prefix, label) in [(&b""[..], "plain"), (&b"\xef\xbb\xbf"[..], "with BOM")] {
            let mut bytes = prefix.to_vec();
            bytes.extend_from_slice(text.as_bytes());
            let r = import_json(&shop, &shop.file(name, bytes), &["--dry-run"]);
            let lines: Vec<u64> = r["errors"]
                .as_array()
                .unwrap()
                .iter()
                .map(|e| e["line"].as_u64().unwrap())
                .collect();
            assert_eq!(lines, vec![4, 5], "{name} {label}: {r}");
        }
    }
}

/// A kiosk registration with a signed release, submitted to `shop`'s database directly (the
/// kiosk's own path), for the release commands to find.
fn signed_release(shop: &Shop) -> String {
    use intake_common::release::{
        self, ClauseAnswer, HealthAnswer, Registration, Signing, signature,
    };
    use intake_common::settings::{Lang, Settings};
    let mut db = intake_tests::cluster::open_db(&shop.data());
    let settings = Settings::defaults();
    let template = release::register_template(&mut db, &settings.template).unwrap();
    let png = signature::render_png(
        &[vec![(10.0, 50.0), (120.0, 20.0), (220.0, 60.0)]],
        300,
        100,
    )
    .unwrap();
    let reg = Registration {
        existing: None,
        shown_stored: true,
        profile: intake_common::Profile::default()
            .with(intake_common::Field::FirstName, "Zoë")
            .with(intake_common::Field::LastName, "García")
            .with(intake_common::Field::PhoneNumber, "5125550142")
            .with(intake_common::Field::Birthdate, "1991-07-08"),
        emergency: None,
        physician: None,
        health: settings
            .questions
            .iter()
            .map(|q| HealthAnswer::new(q, Lang::Es, false, None))
            .collect(),
        language: Lang::Es,
        // Photo consent (optional) declined: the PDF says so.
        clauses: settings
            .template
            .clauses_for(false)
            .map(|c| match c.optional {
                true => ClauseAnswer::declined(c, Lang::Es),
                false => ClauseAnswer::agreed(c, Lang::Es, "ZG"),
            })
            .collect(),
        guardian: None,
        signature_png: png,
    };
    let done = release::submit(
        &mut db,
        &reg,
        &Signing::new("lobby-1", &settings, &template),
    )
    .unwrap();
    done.release.to_string()
}

#[test]
fn releases_are_listed_and_rendered_to_pdf_for_those_allowed() {
    let shop = Shop::new();
    let id = signed_release(&shop);
    let list = shop.json(&["release", "list", "--json"]);
    assert_eq!(list[0]["id"], id.as_str());
    assert_eq!(list[0]["customer_name"], "Zoë García");
    assert_eq!(list[0]["template_version"], 1);
    assert!(shop.ok(&["release", "list"]).contains("Zoë García"));

    let out = shop.dir.path().join("release.pdf");
    shop.ok(&["release", "pdf", &id, "--out", out.to_str().unwrap()]);
    let bytes = std::fs::read(&out).unwrap();
    assert!(bytes.starts_with(b"%PDF"));
    // In the language it was signed in, the declined photo consent said as such.
    let text = std::process::Command::new("pdftotext")
        .args([out.to_str().unwrap(), "-"])
        .output()
        .expect("pdftotext runs: install poppler-utils");
    let text: String = String::from_utf8_lossy(&text.stdout)
        .split_whitespace()
        .collect();
    for words in [
        "Respuestas de salud",
        "Iniciales: ZG",
        "Rechazado",
        "Firmado por Zoë García",
    ] {
        let squeezed: String = words.split_whitespace().collect();
        assert!(text.contains(&squeezed), "{words:?} missing:\n{text}");
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&out).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "the PDF holds health answers");
    }
    let audit = shop.ok(&["audit", "--json"]);
    assert!(audit.contains("release.view"));

    // Front desk may list releases but not open one: it holds health answers.
    shop.add_user("fran", "front-desk", "5678");
    let denied = shop.dir.path().join("denied.pdf");
    let out = shop.run_as(
        Some("fran"),
        "5678",
        &["release", "pdf", &id, "--out", denied.to_str().unwrap()],
    );
    assert_eq!(out.status.code(), Some(3));
    assert!(String::from_utf8_lossy(&out.stderr).contains("medical:customer"));
    assert!(!denied.exists());
    assert!(
        shop.run_as(Some("fran"), "5678", &["release", "list"])
            .status
            .success()
    );

    // An unknown or malformed id says which.
    let unknown = "01a20000-0000-7000-8000-000000000000";
    let (code, err) = shop.fails(&["release", "pdf", unknown, "--out", "x.pdf"]);
    assert_eq!(code, 1);
    assert!(err.contains(unknown), "{err}");
    let (code, err) = shop.fails(&["release", "pdf", "not-an-id", "--out", "x.pdf"]);
    assert_eq!(code, 1);
    assert!(err.contains("not-an-id"), "{err}");
}
