package main

import (
	"fmt"
	"sort"
	"time"

	"github.com/nats-io/nats.go"
)

// minWarmupRequests run before the measured phase (more with -warmup) so that
// the client's response multiplexer subscription exists and both servers are
// past their first-use costs.
const minWarmupRequests = 200

func runReqRep(c config) error {
	errs := &errorLog{}
	subject := uniqueSubject("bench.req")
	payload := makePayload(c.size)

	lost := func() {} // a lost connection already fails the next request
	responder, err := connect(c.subURL, "responder", errs, lost)
	if err != nil {
		return fmt.Errorf("responder: connect %s: %w", c.subURL, err)
	}
	defer responder.Close()
	sub, err := responder.Subscribe(subject, func(m *nats.Msg) {
		if err := m.Respond(payload); err != nil {
			errs.add("responder: respond: %v", err)
		}
	})
	if err != nil {
		return fmt.Errorf("responder: subscribe: %w", err)
	}
	if err := sub.SetPendingLimits(-1, -1); err != nil {
		return err
	}
	if err := responder.Flush(); err != nil {
		return err
	}
	requester, err := connect(c.pubURL, "requester", errs, lost)
	if err != nil {
		return fmt.Errorf("requester: connect %s: %w", c.pubURL, err)
	}
	defer requester.Close()
	warm := c.warmup
	if warm < minWarmupRequests {
		warm = minWarmupRequests
	}
	for i := 0; i < warm; i++ {
		if _, err := requester.Request(subject, payload, 10*time.Second); err != nil {
			return fmt.Errorf("warm-up request %d: %w", i, err)
		}
	}

	emit(map[string]string{"event": "ready"})
	waitRunner(c)

	cpu0 := cpuSecs()
	t0 := time.Now()
	deadline := t0.Add(c.timeout)
	lat := make([]time.Duration, 0, c.msgs)
	for i := 0; i < c.msgs; i++ {
		if i&255 == 0 && time.Now().After(deadline) {
			errs.add("time cap reached after %d requests", i)
			break
		}
		start := time.Now()
		if _, err := requester.Request(subject, payload, 10*time.Second); err != nil {
			errs.add("request %d: %v", i, err)
			break
		}
		lat = append(lat, time.Since(start))
	}
	secs := time.Since(t0).Seconds()
	cpu := cpuSecs() - cpu0

	n := int64(len(lat))
	r := &result{
		Event: "result", Mode: "reqrep", Pubs: 1, Subs: 1, Size: c.size,
		Sent: n, Received: n, Expected: int64(c.msgs), Complete: n == int64(c.msgs),
		PubSecs: secs, TotalSecs: secs, SentRate: float64(n) / secs, RecvRate: float64(n) / secs,
		Latency: summarize(lat), ClientCPU: cpu, ClientUtil: cpu / secs,
	}
	emitAndHold(c, r, errs)
	return nil
}

// summarize returns latency percentiles in microseconds (nearest rank).
func summarize(lat []time.Duration) *latency {
	if len(lat) == 0 {
		return nil
	}
	sorted := append([]time.Duration{}, lat...)
	sort.Slice(sorted, func(i, j int) bool { return sorted[i] < sorted[j] })
	rank := func(p float64) float64 {
		i := int(p*float64(len(sorted))+0.5) - 1
		if i < 0 {
			i = 0
		}
		if i >= len(sorted) {
			i = len(sorted) - 1
		}
		return us(sorted[i])
	}
	var sum time.Duration
	for _, d := range sorted {
		sum += d
	}
	return &latency{
		P50: rank(0.50), P90: rank(0.90), P99: rank(0.99),
		Max:  us(sorted[len(sorted)-1]),
		Mean: us(sum / time.Duration(len(sorted))),
	}
}

func us(d time.Duration) float64 { return float64(d.Nanoseconds()) / 1e3 }
