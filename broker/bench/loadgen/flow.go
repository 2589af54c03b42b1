package main

import (
	"fmt"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go"
)

// errorLog collects asynchronous client errors (slow consumer, disconnects).
type errorLog struct {
	mu    sync.Mutex
	items []string
}

func (l *errorLog) add(format string, args ...interface{}) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.items) < 20 {
		l.items = append(l.items, fmt.Sprintf(format, args...))
	}
}

func (l *errorLog) list() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]string{}, l.items...)
}

// connect opens one connection that never reconnects, so a server-side cut
// shows up as an error instead of being papered over.
func connect(url, name string, errs *errorLog, onLost func()) (*nats.Conn, error) {
	return nats.Connect(url,
		nats.Name(name),
		nats.NoReconnect(),
		nats.Timeout(10*time.Second),
		nats.ErrorHandler(func(_ *nats.Conn, s *nats.Subscription, err error) {
			subj := ""
			if s != nil {
				subj = s.Subject
			}
			errs.add("%s: async error on %q: %v", name, subj, err)
		}),
		nats.DisconnectErrHandler(func(nc *nats.Conn, err error) {
			if err != nil {
				errs.add("%s: disconnected: %v", name, err)
				onLost()
			}
		}),
	)
}

func uniqueSubject(prefix string) string {
	return fmt.Sprintf("%s.%d.%d", prefix, os.Getpid(), time.Now().UnixNano())
}

func makePayload(size int) []byte {
	p := make([]byte, size)
	for i := range p {
		p[i] = byte('a' + i%26)
	}
	return p
}

func isClosed(ch chan struct{}) bool {
	select {
	case <-ch:
		return true
	default:
		return false
	}
}

func closeAll(conns []*nats.Conn) {
	for _, nc := range conns {
		nc.Close()
	}
}

func runFlow(c config) error {
	errs := &errorLog{}
	subject := uniqueSubject("bench.flow")
	perMsg := int64(c.subs)
	if c.queue != "" && c.subs > 0 {
		perMsg = 1
	}
	expected := int64(c.msgs) * perMsg

	t := newTally(expected)
	var conns []*nats.Conn
	defer func() { closeAll(conns) }()
	var subs []*nats.Subscription
	for i := 0; i < c.subs; i++ {
		name := fmt.Sprintf("sub-%d", i)
		if c.subClient == "raw" {
			rs, err := dialRawSub(c.subURL, name, subject, c.queue, c.size, t, errs)
			if err != nil {
				return fmt.Errorf("subscriber %d: %s: %w", i, c.subURL, err)
			}
			defer rs.close()
			continue
		}
		nc, err := connect(c.subURL, name, errs, t.connLost)
		if err != nil {
			return fmt.Errorf("subscriber %d: connect %s: %w", i, c.subURL, err)
		}
		conns = append(conns, nc)
		handler := func(*nats.Msg) { t.add(1) }
		var sub *nats.Subscription
		if c.queue != "" {
			sub, err = nc.QueueSubscribe(subject, c.queue, handler)
		} else {
			sub, err = nc.Subscribe(subject, handler)
		}
		if err != nil {
			return fmt.Errorf("subscriber %d: subscribe: %w", i, err)
		}
		// The client must never drop: every loss has to be the server's doing.
		if err := sub.SetPendingLimits(-1, -1); err != nil {
			return err
		}
		if err := nc.Flush(); err != nil {
			return fmt.Errorf("subscriber %d: flush: %w", i, err)
		}
		subs = append(subs, sub)
	}
	var pubs []*nats.Conn
	for i := 0; i < c.pubs; i++ {
		nc, err := connect(c.pubURL, fmt.Sprintf("pub-%d", i), errs, t.connLost)
		if err != nil {
			return fmt.Errorf("publisher %d: connect %s: %w", i, c.pubURL, err)
		}
		conns = append(conns, nc)
		pubs = append(pubs, nc)
	}
	for _, nc := range pubs {
		if err := nc.Flush(); err != nil {
			return err
		}
	}
	payload := makePayload(c.size)
	if c.pubURL != c.subURL && perMsg > 0 {
		if err := awaitInterest(pubs[0], subject, payload, t, perMsg); err != nil {
			return err
		}
	}
	if err := warmUp(c, pubs, subject, payload, t, perMsg); err != nil {
		return err
	}

	emit(map[string]string{"event": "ready"})
	waitRunner(c)

	cpu0 := cpuSecs()
	t0 := time.Now()
	deadline := t0.Add(c.timeout)
	t.armed.Store(true)
	var sent atomic.Int64
	var wg sync.WaitGroup
	for i, nc := range pubs {
		share := c.msgs / c.pubs
		if i < c.msgs%c.pubs {
			share++
		}
		wg.Add(1)
		go func(i int, nc *nats.Conn, share int) {
			defer wg.Done()
			n := 0
			for ; n < share; n++ {
				if n&1023 == 0 {
					if time.Now().After(deadline) {
						errs.add("pub-%d: time cap reached after %d messages", i, n)
						break
					}
					if isClosed(t.lost) {
						break
					}
				}
				if err := nc.Publish(subject, payload); err != nil {
					errs.add("pub-%d: publish: %v", i, err)
					break
				}
			}
			sent.Add(int64(n))
			// PING/PONG: the server has processed every PUB before it answers.
			if isClosed(t.lost) {
				return
			}
			if err := nc.FlushTimeout(time.Until(deadline) + time.Second); err != nil {
				errs.add("pub-%d: final flush: %v", i, err)
			}
		}(i, nc, share)
	}
	wg.Wait()
	pubSecs := time.Since(t0).Seconds()

	complete := true
	totalSecs := pubSecs
	if expected > 0 {
		select {
		case <-t.done:
			totalSecs = float64(t.lastNanos.Load()-t0.UnixNano()) / 1e9
		case <-t.lost:
			complete = false
			totalSecs = time.Since(t0).Seconds()
			errs.add("a connection was lost: %d of %d deliveries arrived", t.received.Load(), expected)
		case <-time.After(time.Until(deadline)):
			complete = false
			totalSecs = time.Since(t0).Seconds()
			errs.add("time cap: %d of %d deliveries arrived", t.received.Load(), expected)
		}
	}
	cpu := cpuSecs() - cpu0
	wall := time.Since(t0).Seconds()
	if got := t.received.Load(); got > expected {
		errs.add("%d deliveries arrived, %d expected (duplicates)", got, expected)
	}

	var dropped int64
	for _, s := range subs {
		if d, err := s.Dropped(); err == nil {
			dropped += int64(d)
		}
	}
	r := &result{
		Event: "result", Mode: "flow", Pubs: c.pubs, Subs: c.subs, Queue: c.queue, Size: c.size,
		SubClient: c.subClient,
		Sent:      sent.Load(), Received: t.received.Load(), Expected: expected,
		Complete: complete && sent.Load() == int64(c.msgs) && t.received.Load() == expected,
		PubSecs:  pubSecs, TotalSecs: totalSecs,
		SentRate:  float64(sent.Load()) / pubSecs,
		ClientCPU: cpu, ClientUtil: cpu / wall, Dropped: dropped,
	}
	if expected > 0 {
		r.RecvRate = float64(t.received.Load()) / totalSecs
	}
	emitAndHold(c, r, errs)
	return nil
}

// awaitInterest publishes probes on the publisher's server until one reaches
// every subscriber on the other server, so the measured phase does not start
// before the subscriptions have crossed the mesh; then it clears the count.
// A probe sent before that is dropped for lack of interest, so waiting 200 ms
// after each one leaves none in flight.
func awaitInterest(nc *nats.Conn, subject string, payload []byte, t *tally, perProbe int64) error {
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		before := t.received.Load()
		if err := nc.Publish(subject, payload); err != nil {
			return err
		}
		if err := nc.Flush(); err != nil {
			return err
		}
		for wait := time.Now().Add(200 * time.Millisecond); time.Now().Before(wait); {
			if t.received.Load()-before >= perProbe {
				time.Sleep(200 * time.Millisecond)
				t.received.Store(0)
				return nil
			}
			time.Sleep(5 * time.Millisecond)
		}
	}
	return fmt.Errorf("subscriptions did not reach the publisher's server within 30 s")
}

// warmUp sends -warmup messages through the same path before the measured
// phase and waits until they have all arrived, so that the table shows steady
// state rather than a JIT compiler's first second; then it clears the count.
func warmUp(c config, pubs []*nats.Conn, subject string, payload []byte, t *tally, perMsg int64) error {
	if c.warmup == 0 {
		return nil
	}
	for i := 0; i < c.warmup; i++ {
		if err := pubs[i%len(pubs)].Publish(subject, payload); err != nil {
			return fmt.Errorf("warm-up: %w", err)
		}
	}
	for _, nc := range pubs {
		if err := nc.FlushTimeout(c.timeout); err != nil {
			return fmt.Errorf("warm-up flush: %w", err)
		}
	}
	want := int64(c.warmup) * perMsg
	for deadline := time.Now().Add(c.timeout); t.received.Load() < want; time.Sleep(2 * time.Millisecond) {
		if time.Now().After(deadline) || isClosed(t.lost) {
			return fmt.Errorf("warm-up: %d of %d deliveries arrived", t.received.Load(), want)
		}
	}
	t.received.Store(0)
	return nil
}

// emitAndHold prints the result, then keeps the connections open until the
// runner has sampled the server, so teardown is not counted.
func emitAndHold(c config, r *result, errs *errorLog) {
	r.Errors = errs.list()
	emit(r)
	waitRunner(c)
}
