// A CPU-bound Go program profiled with runtime/pprof, with goroutine
// labels set by pprof.Do, so that tests/t/pprof-go-labels.sh has a fresh
// pprof file written by Go itself. Usage: go run main.go OUT.pb.gz [HEAP.pb.gz]
// (the heap profile, written when asked, is for corpus/regenerate.sh).
package main

import (
	"context"
	"fmt"
	"os"
	"runtime/pprof"
	"sync"
	"time"
)

//go:noinline
func fib(n int) int {
	if n < 2 {
		return n
	}
	return fib(n-1) + fib(n-2)
}

func spin(d time.Duration) int {
	sum := 0
	for end := time.Now().Add(d); time.Now().Before(end); {
		sum += fib(20)
	}
	return sum
}

func main() {
	if len(os.Args) != 2 && len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: go-labels OUT.pb.gz [HEAP.pb.gz]")
		os.Exit(2)
	}
	f, err := os.Create(os.Args[1])
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	var wg sync.WaitGroup
	for _, worker := range []string{"parser", "indexer"} {
		wg.Add(1)
		go func(name string) {
			defer wg.Done()
			labels := pprof.Labels("worker", name, "tenant", "acme")
			pprof.Do(context.Background(), labels, func(context.Context) {
				spin(600 * time.Millisecond)
			})
		}(worker)
	}
	wg.Wait()
	pprof.StopCPUProfile()
	if err := f.Close(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	if len(os.Args) == 3 {
		writeHeap(os.Args[2])
	}
}

var retained [][]byte

// writeHeap allocates under labels (heap profiles keep no goroutine labels,
// but keep the allocation sizes as numeric "bytes" labels) and writes the
// heap profile.
func writeHeap(path string) {
	for i := 0; i < 2000; i++ {
		retained = append(retained, make([]byte, 1024+i%7*512))
	}
	h, err := os.Create(path)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	if err := pprof.Lookup("heap").WriteTo(h, 0); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	h.Close()
}
