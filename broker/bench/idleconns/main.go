// Command idleconns opens many idle client connections to a NATS server and
// holds them, so that a runner can read the server's memory per connection.
//
// Each connection reads INFO, sends CONNECT and PING, and waits for PONG. Then
// the program prints {"event":"ready",...} and holds every connection until a
// line (or EOF) arrives on stdin. It closes them with SO_LINGER 0 so that
// repeated runs do not exhaust the ephemeral ports with TIME_WAIT sockets.
package main

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"net"
	"os"
	"strings"
	"sync"
	"time"
)

type report struct {
	Event  string   `json:"event"`
	Conns  int      `json:"conns"`
	Failed int      `json:"failed"`
	Secs   float64  `json:"secs"`
	Errors []string `json:"errors"`
}

const connectLine = `CONNECT {"verbose":false,"pedantic":false,"protocol":1,"lang":"go-raw","version":"bench"}` + "\r\nPING\r\n"

// handshake opens one connection and returns once the server answered PONG.
func handshake(addr string, timeout time.Duration) (*net.TCPConn, error) {
	c, err := net.DialTimeout("tcp", addr, timeout)
	if err != nil {
		return nil, err
	}
	conn := c.(*net.TCPConn)
	_ = conn.SetDeadline(time.Now().Add(timeout))
	br := bufio.NewReaderSize(conn, 4096)
	line, err := br.ReadString('\n')
	if err != nil || !strings.HasPrefix(line, "INFO ") {
		conn.Close()
		return nil, fmt.Errorf("expected INFO, got %q (%v)", line, err)
	}
	if _, err := conn.Write([]byte(connectLine)); err != nil {
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
	return conn, nil
}

func main() {
	addr := flag.String("addr", "127.0.0.1:4222", "server host:port")
	n := flag.Int("n", 10000, "connections to open")
	parallel := flag.Int("parallel", 64, "handshakes in flight at once")
	timeout := flag.Duration("timeout", 20*time.Second, "per-connection handshake timeout")
	flag.Parse()
	if *n < 1 || *parallel < 1 {
		fmt.Fprintln(os.Stderr, "idleconns: need -n >= 1 and -parallel >= 1")
		os.Exit(2)
	}

	t0 := time.Now()
	conns := make([]*net.TCPConn, 0, *n)
	var mu sync.Mutex
	var errs []string
	failed := 0
	jobs := make(chan struct{})
	var wg sync.WaitGroup
	for w := 0; w < *parallel; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range jobs {
				conn, err := handshake(*addr, *timeout)
				mu.Lock()
				if err != nil {
					failed++
					if len(errs) < 10 {
						errs = append(errs, err.Error())
					}
				} else {
					conns = append(conns, conn)
				}
				mu.Unlock()
			}
		}()
	}
	for i := 0; i < *n; i++ {
		jobs <- struct{}{}
	}
	close(jobs)
	wg.Wait()

	out, _ := json.Marshal(report{Event: "ready", Conns: len(conns), Failed: failed,
		Secs: time.Since(t0).Seconds(), Errors: append([]string{}, errs...)})
	os.Stdout.Write(append(out, '\n'))

	_, _ = bufio.NewReader(os.Stdin).ReadString('\n')
	for _, c := range conns {
		_ = c.SetLinger(0)
		c.Close()
	}
}
