//! Once its per-thread buffers have grown, the layer makes no heap allocation per event. Counts,
//! not timings: the number is the same on a loaded machine.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::io;

use deploytel_ecs::EcsLayer;
use tracing::{info, info_span};
use tracing_subscriber::layer::SubscriberExt;

/// Counts the allocations made on the current thread only, so the test harness's own threads
/// do not disturb the count.
struct ThreadCounting;

thread_local! {
    static ALLOCATIONS: Cell<u64> = const { Cell::new(0) };
}

unsafe impl GlobalAlloc for ThreadCounting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let _ = ALLOCATIONS.try_with(|n| n.set(n.get() + 1));
        System.alloc(layout)
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        System.dealloc(ptr, layout)
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let _ = ALLOCATIONS.try_with(|n| n.set(n.get() + 1));
        System.realloc(ptr, layout, new_size)
    }
}

#[global_allocator]
static GLOBAL: ThreadCounting = ThreadCounting;

fn allocations_during(f: impl FnOnce()) -> u64 {
    let before = ALLOCATIONS.with(Cell::get);
    f();
    ALLOCATIONS.with(Cell::get) - before
}

#[test]
fn events_inside_and_outside_spans_allocate_nothing_once_warm() {
    let layer = EcsLayer::builder()
        .service_name("billing")
        .label("team", "payments")
        .with_writer(io::sink)
        .build();
    tracing::subscriber::with_default(tracing_subscriber::registry().with(layer), || {
        let deployment = info_span!("deployment", deployment.id = 42u64, service = "billing");
        let _deployment = deployment.enter();
        let step = info_span!("step", step.name = "install_packages");
        let _step = step.enter();
        let emit = |i: u64| {
            info!(
                deployment.id = 42u64,
                step.name = "install_packages",
                host = "web-01",
                duration_ms = i,
                "step finished"
            );
            info!(
                host.name = "web-02",
                password = "hunter2",
                "retry {i} with --token abc123"
            );
        };
        for i in 0..100 {
            emit(i);
        }
        let allocations = allocations_during(|| {
            for i in 0..1_000 {
                emit(i);
            }
        });
        assert_eq!(allocations, 0, "allocations in 2,000 events");
    });
}

#[test]
fn a_spans_whole_life_allocates_once_the_box_its_fields_live_in() {
    let layer = EcsLayer::builder()
        .service_name("billing")
        .with_writer(io::sink)
        .build();
    tracing::subscriber::with_default(tracing_subscriber::registry().with(layer), || {
        let life = |i: u64| {
            let step = info_span!(
                "step",
                step.name = "install_packages",
                step.run = i,
                host = "web-01",
                attempt = 1u64
            );
            let _entered = step.enter();
            info!(duration_ms = 1250u64, "step finished");
            step.record("attempt", 2u64);
        };
        for i in 0..100 {
            life(i);
        }
        let spans = 1_000;
        let allocations = allocations_during(|| (0..spans).for_each(life));
        // The registry boxes every value put into a span's extensions; the buffers inside come
        // from a pool.
        assert_eq!(allocations, spans, "allocations in {spans} span lifecycles");
    });
}
