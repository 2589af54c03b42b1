package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// tally counts deliveries across every subscriber and notes when the expected
// total has arrived.
type tally struct {
	expected  int64
	received  atomic.Int64
	lastNanos atomic.Int64
	once      sync.Once
	done      chan struct{}
	lostOnce  sync.Once
	lost      chan struct{} // closed when any subscriber loses its connection
	armed     atomic.Bool   // set when the measured phase starts; probes before it do not count
}

func newTally(expected int64) *tally {
	return &tally{expected: expected, done: make(chan struct{}), lost: make(chan struct{})}
}

// connLost ends the run early: a subscriber that is gone will never catch up.
func (t *tally) connLost() {
	t.lostOnce.Do(func() { close(t.lost) })
}

func (t *tally) add(n int64) {
	if t.received.Add(n) >= t.expected && t.armed.Load() {
		t.once.Do(func() {
			t.lastNanos.Store(time.Now().UnixNano())
			close(t.done)
		})
	}
}

// rawSub is a minimal subscriber that speaks the client protocol itself and
// only counts MSG frames. nats.go spends roughly 400 ns of CPU per received
// message (a Msg, two strings and a goroutine hand-off each); on a 2-core
// machine that made the generator, not the server, the bottleneck. This reader
// costs a few tens of ns per message and checks the framing of every frame.
type rawSub struct {
	conn net.Conn
	name string
	errs *errorLog
	t    *tally
	size int
}

func hostPort(natsURL string) (string, error) {
	u, err := url.Parse(natsURL)
	if err != nil || u.Host == "" {
		return "", fmt.Errorf("bad server URL %q", natsURL)
	}
	return u.Host, nil
}

// dialRawSub connects, subscribes and waits for the PONG that proves the
// server registered the subscription.
func dialRawSub(natsURL, name, subject, queue string, size int, t *tally, errs *errorLog) (*rawSub, error) {
	addr, err := hostPort(natsURL)
	if err != nil {
		return nil, err
	}
	conn, err := net.DialTimeout("tcp", addr, 10*time.Second)
	if err != nil {
		return nil, err
	}
	_ = conn.SetDeadline(time.Now().Add(10 * time.Second))
	br := bufio.NewReaderSize(conn, 64*1024)
	line, err := br.ReadString('\n')
	if err != nil || !strings.HasPrefix(line, "INFO ") {
		conn.Close()
		return nil, fmt.Errorf("expected INFO, got %q (%v)", line, err)
	}
	connect, _ := json.Marshal(map[string]interface{}{
		"verbose": false, "pedantic": false, "protocol": 1, "echo": true,
		"name": name, "lang": "go-raw", "version": "bench",
	})
	sub := "SUB " + subject + " 1\r\n"
	if queue != "" {
		sub = "SUB " + subject + " " + queue + " 1\r\n"
	}
	if _, err := conn.Write([]byte("CONNECT " + string(connect) + "\r\n" + sub + "PING\r\n")); err != nil {
		conn.Close()
		return nil, err
	}
	for {
		line, err = br.ReadString('\n')
		if err != nil {
			conn.Close()
			return nil, fmt.Errorf("waiting for PONG: %v", err)
		}
		if strings.HasPrefix(line, "PONG") {
			break
		}
		if strings.HasPrefix(line, "-ERR") {
			conn.Close()
			return nil, fmt.Errorf("server: %s", strings.TrimSpace(line))
		}
	}
	_ = conn.SetDeadline(time.Time{})
	if br.Buffered() > 0 {
		conn.Close()
		return nil, fmt.Errorf("unexpected data before the run")
	}
	s := &rawSub{conn: conn, name: name, errs: errs, t: t, size: size}
	go s.readLoop()
	return s, nil
}

func (s *rawSub) close() { s.conn.Close() }

// readLoop parses frames from a large buffer, skipping payloads by index.
func (s *rawSub) readLoop() {
	buf := make([]byte, 256*1024)
	start, end := 0, 0
	skip := 0 // payload bytes (with CRLF) still to pass over
	for {
		if start == end {
			start, end = 0, 0
		} else if end == len(buf) {
			if start == 0 {
				s.errs.add("%s: control line longer than %d bytes", s.name, len(buf))
				return
			}
			end = copy(buf, buf[start:end])
			start = 0
		}
		n, err := s.conn.Read(buf[end:])
		if err != nil {
			s.t.connLost()
			if err != io.EOF && !strings.Contains(err.Error(), "use of closed") {
				s.errs.add("%s: read: %v", s.name, err)
			} else if err == io.EOF {
				s.errs.add("%s: server closed the connection", s.name)
			}
			return
		}
		end += n
		var msgs int64
		for start < end {
			if skip > 0 {
				k := end - start
				if k > skip {
					k = skip
				}
				start += k
				skip -= k
				continue
			}
			nl := bytes.IndexByte(buf[start:end], '\n')
			if nl < 0 {
				break
			}
			line := buf[start : start+nl+1]
			start += nl + 1
			if len(line) > 4 && (line[0] == 'M' || line[0] == 'H') {
				size, ok := lastInt(line)
				if !ok || (s.size >= 0 && size != s.size) {
					s.errs.add("%s: bad frame %q", s.name, line)
					return
				}
				skip = size + 2
				msgs++
				continue
			}
			if !s.control(line) {
				return
			}
		}
		if msgs > 0 {
			s.t.add(msgs)
		}
	}
}

// control handles the ops other than MSG; false stops the reader.
func (s *rawSub) control(line []byte) bool {
	switch {
	case bytes.HasPrefix(line, []byte("PING")):
		if _, err := s.conn.Write([]byte("PONG\r\n")); err != nil {
			s.errs.add("%s: write PONG: %v", s.name, err)
			return false
		}
	case bytes.HasPrefix(line, []byte("-ERR")):
		s.errs.add("%s: server error %s", s.name, strings.TrimSpace(string(line)))
	case bytes.HasPrefix(line, []byte("PONG")), bytes.HasPrefix(line, []byte("+OK")),
		bytes.HasPrefix(line, []byte("INFO")):
	default:
		s.errs.add("%s: unexpected line %q", s.name, line)
		return false
	}
	return true
}

// lastInt parses the size that ends a MSG/HMSG control line.
func lastInt(line []byte) (int, bool) {
	line = bytes.TrimRight(line, "\r\n")
	i := bytes.LastIndexAny(line, " \t")
	if i < 0 {
		return 0, false
	}
	digits := line[i+1:]
	if len(digits) == 0 || len(digits) > 10 {
		return 0, false
	}
	n := 0
	for _, d := range digits {
		if d < '0' || d > '9' {
			return 0, false
		}
		n = n*10 + int(d-'0')
	}
	return n, true
}
