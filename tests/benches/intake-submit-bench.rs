//! Kiosk submit latency on a store that already holds many customers.
//!
//! A fresh data directory is filled with `--rows` customers (100,000 by default), created
//! through the same mutation path sync and the counter use, in transactions of 10,000. The
//! database is then switched to a device, as on a kiosk, and `--submits` registrations (1,000
//! by default; one in five a returning customer found by phone and birthdate, one in three a
//! minor with a guardian) are submitted one by one. Each is timed from the call to `submit`
//! until it returns, which includes the durable commit.
//!
//! `cargo bench -p intake-tests --bench intake-submit-bench -- [--rows N] [--submits N] [--dir DIR]`.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use intake_common::mutation::{self, Mutation, Op};
use intake_common::release::{self, Signing};
use intake_common::settings::Settings;
use intake_common::{Db, Field};
use intake_tests::registrations;

const BATCH: u64 = 10_000;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut rows: u64 = 100_000;
    let mut submits: u64 = 1_000;
    let mut dir = std::env::temp_dir().join("intake-submit-bench");
    let mut args = intake_tests::bench_args();
    while let Some(a) = args.next() {
        match a.as_str() {
            "--rows" => rows = args.next().ok_or("--rows needs a number")?.parse()?,
            "--submits" => submits = args.next().ok_or("--submits needs a number")?.parse()?,
            "--dir" => dir = PathBuf::from(args.next().ok_or("--dir needs a path")?),
            other => return Err(format!("unknown argument {other}").into()),
        }
    }
    if submits == 0 {
        return Err("--submits must be at least 1".into());
    }
    let _ = std::fs::remove_dir_all(&dir);
    let settings = Settings::defaults();
    let mut db = Db::open_dir(&dir)?;

    let started = Instant::now();
    let mut n = 0;
    while n < rows {
        let batch: Vec<Mutation> = (n..rows.min(n + BATCH))
            .map(|k| {
                let profile = registrations::registration(&settings, k, &[]).profile;
                Mutation::new(
                    "bench",
                    Op::CreateCustomer {
                        customer: uuid::Uuid::now_v7(),
                        profile,
                    },
                )
            })
            .collect();
        mutation::submit_all(&mut db, &batch)?;
        n += BATCH;
    }
    println!(
        "{rows} customers created in {:.1} s ({})",
        started.elapsed().as_secs_f64(),
        dir.display()
    );

    mutation::set_device_role(&db, true)?;
    let template = release::register_template(&mut db, &settings.template)?;
    let mut times = Vec::with_capacity(submits as usize);
    let mut returning = 0;
    for i in 0..submits {
        // One in five has been here before: the kiosk found them on an earlier screen.
        let (n, existing) = if i % 5 == 4 && rows > 0 {
            let k = (i * 7_919) % rows;
            let reg = registrations::registration(&settings, k, &[]);
            let born = reg.profile.birthdate().ok_or("a generated birthdate")?;
            let phone = reg.profile.get(Field::PhoneNumber).unwrap_or_default();
            let found = release::find_returning(db.conn(), phone, born)?
                .ok_or("a seeded customer is not found by phone and birthdate")?;
            returning += 1;
            (k, Some(found.id))
        } else {
            (rows + i, None)
        };
        let signature = registrations::signature_png(n);
        let mut reg = registrations::registration(&settings, n, &signature);
        reg.existing = existing;
        let ctx = Signing::new("lobby-1", &settings, &template);
        let t = Instant::now();
        release::submit(&mut db, &reg, &ctx)?;
        times.push(t.elapsed());
    }
    times.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    let at = |q: f64| times[((times.len() as f64 * q).ceil() as usize).clamp(1, times.len()) - 1];
    let mean = times.iter().sum::<Duration>() / times.len() as u32;
    println!(
        "{submits} kiosk submits ({returning} returning) on a device holding {rows} customers:"
    );
    println!(
        "min {:.2} ms | median {:.2} ms | mean {:.2} ms | p99 {:.2} ms | max {:.2} ms",
        ms(times[0]),
        ms(at(0.5)),
        ms(mean),
        ms(at(0.99)),
        ms(times[times.len() - 1])
    );
    println!("outbox: {} mutations waiting", mutation::outbox_len(&db)?);
    Ok(())
}
