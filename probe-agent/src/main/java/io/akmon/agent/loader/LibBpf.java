package io.akmon.agent.loader;

import jnr.ffi.Pointer;
import jnr.ffi.annotations.Delegate;
import jnr.ffi.byref.NumberByReference;

/**
 * The part of libbpf 1.x (Debian's libbpf1) the agent uses, bound with JNR-FFI. Functions that
 * return a pointer return NULL and set errno on failure (libbpf 1.0 semantics).
 */
public interface LibBpf {
    /** libbpf's print callback; the va_list arrives as a pointer on x86_64. */
    interface PrintFn {
        @Delegate
        int print(int level, Pointer format, Pointer vaList);
    }

    /** ring_buffer_sample_fn. Must not throw: an exception cannot cross the native frame. */
    interface RingSampleFn {
        @Delegate
        int onSample(Pointer ctx, Pointer data, long size);
    }

    /** perf_buffer_event_fn for perf_buffer__new_raw: sees PERF_RECORD_SAMPLE and PERF_RECORD_LOST. */
    interface PerfEventFn {
        @Delegate
        int onEvent(Pointer ctx, int cpu, Pointer perfEventHeader);
    }

    Pointer libbpf_set_print(PrintFn fn);

    int libbpf_num_possible_cpus();

    Pointer bpf_object__open_file(String path, Pointer opts);

    int bpf_object__load(Pointer obj);

    void bpf_object__close(Pointer obj);

    Pointer bpf_object__next_map(Pointer obj, Pointer prev);

    Pointer bpf_object__next_program(Pointer obj, Pointer prev);

    String bpf_map__name(Pointer map);

    int bpf_map__fd(Pointer map);

    int bpf_map__type(Pointer map);

    int bpf_map__max_entries(Pointer map);

    int bpf_map__set_max_entries(Pointer map, int maxEntries);

    int bpf_map__key_size(Pointer map);

    int bpf_map__value_size(Pointer map);

    int bpf_map__set_initial_value(Pointer map, Pointer data, long size);

    Pointer bpf_map__initial_value(Pointer map, NumberByReference size);

    int bpf_map__set_pin_path(Pointer map, String path);

    String bpf_program__name(Pointer prog);

    String bpf_program__section_name(Pointer prog);

    int bpf_program__set_autoload(Pointer prog, boolean autoload);

    Pointer bpf_program__attach(Pointer prog);

    int bpf_program__fd(Pointer prog);

    int bpf_prog_test_run_opts(int progFd, Pointer opts);

    int bpf_link__destroy(Pointer link);

    /** BPF_ENABLE_STATS: returns an fd; the kernel counts run time and runs of every program while it is open. */
    int bpf_enable_stats(int type);

    /** BPF_OBJ_GET_INFO_BY_FD; *infoLen (a __u32) is in/out. */
    int bpf_obj_get_info_by_fd(int fd, Pointer info, Pointer infoLen);

    int bpf_map_lookup_elem(int fd, Pointer key, Pointer value);

    int bpf_map_update_elem(int fd, Pointer key, Pointer value, long flags);

    int bpf_map_delete_elem(int fd, Pointer key);

    int bpf_map_get_next_key(int fd, Pointer key, Pointer nextKey);

    /** Up to *count entries per call (count is a __u32 in/out); -ENOENT once the map is exhausted. */
    int bpf_map_lookup_batch(int fd, Pointer inBatch, Pointer outBatch, Pointer keys, Pointer values, Pointer count,
                             Pointer opts);

    /** Deletes *count keys in order, stopping at the first that fails; *count says how many went. */
    int bpf_map_delete_batch(int fd, Pointer keys, Pointer count, Pointer opts);

    Pointer ring_buffer__new(int mapFd, RingSampleFn sampleCb, Pointer ctx, Pointer opts);

    int ring_buffer__poll(Pointer rb, int timeoutMs);

    int ring_buffer__consume(Pointer rb);

    void ring_buffer__free(Pointer rb);

    Pointer perf_buffer__new_raw(int mapFd, long pageCnt, Pointer attr, PerfEventFn eventCb, Pointer ctx, Pointer opts);

    int perf_buffer__poll(Pointer pb, int timeoutMs);

    int perf_buffer__consume(Pointer pb);

    void perf_buffer__free(Pointer pb);
}
