//! The tasks a kiosk's `update` returns, run here as iced's runtime would run them.

#![allow(clippy::unwrap_used)] // a test that cannot unwrap should fail loudly

use iced::Task;
use iced::futures::StreamExt;
use intake_kiosk::Message;

pub fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap()
}

/// Runs a task to its end and returns the messages it produced.
pub fn run(rt: &tokio::runtime::Runtime, task: Task<Message>) -> Vec<Message> {
    let Some(stream) = iced_runtime::task::into_stream(task) else {
        return Vec::new();
    };
    rt.block_on(
        stream
            .filter_map(|action| async move {
                match action {
                    iced_runtime::Action::Output(m) => Some(m),
                    _ => None,
                }
            })
            .collect(),
    )
}
