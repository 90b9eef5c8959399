//! Heap allocations per event of `EcsLayer` and the peer JSON formatters, counted by a counting
//! global allocator once each formatter's buffers have warmed up. Run with
//! `cargo bench -p deploytel-benches --bench ecs_allocations`; results are in docs/PERFORMANCE.md.

#[path = "support/workloads.rs"]
mod workloads;

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicU64, Ordering};

struct Counting;

static ALLOCATIONS: AtomicU64 = AtomicU64::new(0);
static BYTES: AtomicU64 = AtomicU64::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        BYTES.fetch_add(layout.size() as u64, Ordering::Relaxed);
        System.alloc(layout)
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        System.dealloc(ptr, layout)
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        BYTES.fetch_add(new_size as u64, Ordering::Relaxed);
        System.realloc(ptr, layout, new_size)
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

const WARM_UP: u64 = 1_000;
const MEASURED: u64 = 10_000;

fn main() {
    // `cargo bench` passes `--bench`; `cargo test --benches` passes nothing and expects a quick run.
    let events = if std::env::args().any(|a| a == "--bench") {
        MEASURED
    } else {
        100
    };
    println!("| workload | formatter | allocations per event | bytes allocated per event |");
    println!("|---|---|---|---|");
    for (workload, run) in workloads::WORKLOADS {
        for (name, dispatch) in workloads::formatters() {
            run(&dispatch, WARM_UP);
            // Measured as the difference between N and 2N events, so the fixed cost of
            // entering the spans and the dispatcher cancels out.
            let (a1, b1) = counted(|| run(&dispatch, events));
            let (a2, b2) = counted(|| run(&dispatch, 2 * events));
            let per_event = |x1: u64, x2: u64| x2.saturating_sub(x1) as f64 / events as f64;
            println!(
                "| {workload} | {name} | {:.2} | {:.1} |",
                per_event(a1, a2),
                per_event(b1, b2)
            );
        }
    }
}

fn counted(f: impl FnOnce()) -> (u64, u64) {
    let (a, b) = (
        ALLOCATIONS.load(Ordering::Relaxed),
        BYTES.load(Ordering::Relaxed),
    );
    f();
    (
        ALLOCATIONS.load(Ordering::Relaxed) - a,
        BYTES.load(Ordering::Relaxed) - b,
    )
}
