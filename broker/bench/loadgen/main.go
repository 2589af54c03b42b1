// Command loadgen drives a NATS server with nats.go and prints one JSON result.
//
// Two modes:
//
//	flow:   P publishers send -msgs messages of -size bytes (split between them) to one
//	        subject; S subscribers (optionally one queue group) count what arrives.
//	reqrep: one requester sends -msgs sequential requests to one responder and
//	        records each round trip.
//
// With -sync the program prints {"event":"ready"} once every connection and
// subscription is in place, waits for a line on stdin, runs, prints the result,
// and waits for another line before disconnecting. The runner samples the
// server's CPU at exactly those two points.
package main

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"runtime/debug"
	"runtime/pprof"
	"syscall"
	"time"
)

type config struct {
	mode    string
	pubURL  string
	subURL  string
	pubs    int
	subs    int
	queue   string
	size    int
	msgs    int
	warmup  int
	timeout time.Duration
	sync    bool
	profile string
	// subClient is "raw" (a counting reader, the default) or "nats" (nats.go).
	subClient string
}

// result is the JSON document printed on stdout.
type result struct {
	Event      string   `json:"event"`
	Mode       string   `json:"mode"`
	Pubs       int      `json:"pubs"`
	Subs       int      `json:"subs"`
	Queue      string   `json:"queue,omitempty"`
	SubClient  string   `json:"sub_client,omitempty"`
	Size       int      `json:"size"`
	Sent       int64    `json:"sent"`
	Received   int64    `json:"received"`
	Expected   int64    `json:"expected"`
	Complete   bool     `json:"complete"`
	PubSecs    float64  `json:"pub_secs"`
	TotalSecs  float64  `json:"total_secs"`
	SentRate   float64  `json:"sent_per_sec"`
	RecvRate   float64  `json:"received_per_sec"`
	Latency    *latency `json:"latency_us,omitempty"`
	ClientCPU  float64  `json:"client_cpu_secs"`
	ClientUtil float64  `json:"client_cpu_util"`
	Dropped    int64    `json:"client_dropped"`
	Errors     []string `json:"errors"`
}

type latency struct {
	P50  float64 `json:"p50"`
	P90  float64 `json:"p90"`
	P99  float64 `json:"p99"`
	Max  float64 `json:"max"`
	Mean float64 `json:"mean"`
}

func parseFlags() config {
	var c config
	url := flag.String("url", "nats://127.0.0.1:4222", "server URL for every connection")
	flag.StringVar(&c.mode, "mode", "flow", "flow or reqrep")
	flag.StringVar(&c.pubURL, "pub-url", "", "server URL for publishers/requesters (default -url)")
	flag.StringVar(&c.subURL, "sub-url", "", "server URL for subscribers/responders (default -url)")
	flag.IntVar(&c.pubs, "pubs", 1, "publisher connections (flow)")
	flag.IntVar(&c.subs, "subs", 1, "subscriber connections (flow)")
	flag.StringVar(&c.queue, "queue", "", "queue group for the subscribers (flow)")
	flag.IntVar(&c.size, "size", 16, "payload bytes")
	flag.IntVar(&c.msgs, "msgs", 1000000, "messages published in total (flow) or requests (reqrep)")
	flag.IntVar(&c.warmup, "warmup", 0, "unmeasured messages (or requests) sent first, through the same path")
	flag.DurationVar(&c.timeout, "timeout", 60*time.Second, "time cap for the measured phase")
	flag.BoolVar(&c.sync, "sync", false, "handshake with the runner on stdin/stdout")
	flag.StringVar(&c.subClient, "sub-client", "raw", "flow subscribers: raw (counting reader) or nats (nats.go)")
	flag.StringVar(&c.profile, "cpuprofile", "", "write the generator's own CPU profile to this file")
	flag.Parse()
	if c.pubURL == "" {
		c.pubURL = *url
	}
	if c.subURL == "" {
		c.subURL = *url
	}
	if c.mode != "flow" && c.mode != "reqrep" {
		fail("-mode must be flow or reqrep, got %q", c.mode)
	}
	if c.subClient != "raw" && c.subClient != "nats" {
		fail("-sub-client must be raw or nats, got %q", c.subClient)
	}
	if c.pubs < 1 || c.subs < 0 || c.size < 0 || c.msgs < 1 || c.warmup < 0 || c.timeout <= 0 {
		fail("need -pubs >= 1, -subs >= 0, -size >= 0, -msgs >= 1, -warmup >= 0, -timeout > 0")
	}
	return c
}

func fail(format string, args ...interface{}) {
	fmt.Fprintf(os.Stderr, "loadgen: "+format+"\n", args...)
	os.Exit(2)
}

// cpuSecs is this process's user+system CPU time.
func cpuSecs() float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return float64(ru.Utime.Nano()+ru.Stime.Nano()) / 1e9
}

var stdin = bufio.NewReader(os.Stdin)

func emit(v interface{}) {
	b, err := json.Marshal(v)
	if err != nil {
		fail("encode: %v", err)
	}
	os.Stdout.Write(append(b, '\n'))
}

// waitRunner blocks until the runner writes a line, when -sync is on.
func waitRunner(c config) {
	if !c.sync {
		return
	}
	if _, err := stdin.ReadString('\n'); err != nil {
		fail("runner closed stdin: %v", err)
	}
}

func main() {
	// The subscribers allocate one Msg per delivery; a lazier GC keeps the
	// generator's own CPU low. Memory stays bounded by -msgs.
	debug.SetGCPercent(400)
	c := parseFlags()
	if c.profile != "" {
		f, err := os.Create(c.profile)
		if err != nil {
			fail("%v", err)
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			fail("%v", err)
		}
		defer pprof.StopCPUProfile()
	}
	run := runFlow
	if c.mode == "reqrep" {
		run = runReqRep
	}
	if err := run(c); err != nil {
		fail("%v", err)
	}
}
