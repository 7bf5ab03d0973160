/* Load-generator peer for bench/compare: libcurl's multi interface.
 *
 *   curl_multi URL CONNS N EXPECTED_LEN
 *
 * N keep-alive HTTP/1.1 GETs of URL over CONNS connections: CONNS easy
 * handles, each re-added to the multi handle as soon as its transfer is done
 * (its connection goes back to the multi's cache and is picked up again), so
 * CONNS requests are in flight at any time; a curl_multi_perform +
 * curl_multi_poll loop drives them. (A curl_multi_socket_action + epoll loop
 * was measured too: 15-25% more CPU per request at 64 and 256 connections
 * with libcurl 7.88, so the simpler loop stays.) Every response must be 200
 * with a body of EXPECTED_LEN bytes, else it counts as an error, as does a
 * transport error. Certificates are not verified (self-signed test certs).
 * Prints one JSON line:
 *   {"requests": OK, "errors": FAILED, "seconds": WALL_TIME_OF_REQUESTS}
 *
 *   gcc -O2 -o curl_multi curl_multi.c -lcurl
 */
#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

typedef struct {
    CURL *easy;
    size_t bytes;
} conn_t;

static size_t on_body(char *ptr, size_t size, size_t nmemb, void *userdata) {
    (void)ptr;
    ((conn_t *)userdata)->bytes += size * nmemb;
    return size * nmemb;
}

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char **argv) {
    if (argc != 5) {
        fprintf(stderr, "usage: %s URL CONNS N EXPECTED_LEN\n", argv[0]);
        return 2;
    }
    const char *url = argv[1];
    long conns = atol(argv[2]);
    long total = atol(argv[3]);
    curl_off_t expected = strtoll(argv[4], NULL, 10);
    if (conns < 1 || total < 0) {
        fprintf(stderr, "%s: CONNS must be >= 1 and N >= 0\n", argv[0]);
        return 2;
    }
    if (conns > total && total > 0) conns = total;
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) return 1;
    CURLM *multi = curl_multi_init();
    if (!multi) return 1;
    curl_multi_setopt(multi, CURLMOPT_MAX_HOST_CONNECTIONS, conns);
    curl_multi_setopt(multi, CURLMOPT_MAXCONNECTS, conns);

    conn_t *cs = calloc(conns, sizeof *cs);
    if (!cs) return 1;
    for (long i = 0; i < conns; i++) {
        CURL *e = curl_easy_init();
        if (!e) return 1;
        cs[i].easy = e;
        curl_easy_setopt(e, CURLOPT_URL, url);
        curl_easy_setopt(e, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_1_1);
        curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
        curl_easy_setopt(e, CURLOPT_WRITEDATA, &cs[i]);
        curl_easy_setopt(e, CURLOPT_PRIVATE, &cs[i]);
        curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
        curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 0L);
        curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 0L);
    }

    long issued = 0, ok = 0, errors = 0, done = 0;
    int running = 0;
    double t0 = now();
    for (long i = 0; i < conns && issued < total; i++, issued++) curl_multi_add_handle(multi, cs[i].easy);

    while (done < total) {
        if (curl_multi_perform(multi, &running) != CURLM_OK) return 1;
        int readded = 0;
        CURLMsg *msg;
        int left;
        while ((msg = curl_multi_info_read(multi, &left))) {
            if (msg->msg != CURLMSG_DONE) continue;
            CURL *e = msg->easy_handle;
            conn_t *c;
            long status = 0;
            curl_easy_getinfo(e, CURLINFO_PRIVATE, (char **)&c);
            curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &status);
            if (msg->data.result == CURLE_OK && status == 200 && (curl_off_t)c->bytes == expected)
                ok++;
            else
                errors++;
            done++;
            c->bytes = 0;
            curl_multi_remove_handle(multi, e);
            if (issued < total) {
                issued++;
                curl_multi_add_handle(multi, e);
                readded = 1;
            }
        }
        /* A re-added handle starts on the next curl_multi_perform: no wait. */
        if (!readded && done < total && curl_multi_poll(multi, NULL, 0, 1000, NULL) != CURLM_OK) return 1;
    }
    double seconds = now() - t0;
    printf("{\"requests\": %ld, \"errors\": %ld, \"seconds\": %.6f}\n", ok, errors, seconds);

    for (long i = 0; i < conns; i++) {
        curl_multi_remove_handle(multi, cs[i].easy);
        curl_easy_cleanup(cs[i].easy);
    }
    curl_multi_cleanup(multi);
    curl_global_cleanup();
    free(cs);
    return 0;
}
