// Command tlogclient checks a Remix Ledger log with Go's own transparency-log code
// (golang.org/x/mod/sumdb/note and golang.org/x/mod/sumdb/tlog), which this project
// did not write: it opens the signed checkpoint with the verifier key, reads tiles
// over HTTP (C2SP tlog-tiles paths), recomputes the root from them, and checks
// inclusion and consistency proofs, both ones it builds from the tiles and the
// server's own JSON proofs.
//
//	tlogclient -url http://127.0.0.1:8000 -vkey NAME+ID+KEY [-old FILE] [-leaves 0,1,300]
package main

import (
	"bytes"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

type checkpoint struct {
	origin string
	size   int64
	root   tlog.Hash
}

func fail(format string, args ...interface{}) {
	fmt.Fprintf(os.Stderr, "tlogclient: "+format+"\n", args...)
	os.Exit(1)
}

func get(base, path string) []byte {
	resp, err := http.Get(base + "/log/" + path)
	if err != nil {
		fail("GET %s: %v", path, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		fail("GET %s: %v", path, err)
	}
	if resp.StatusCode != http.StatusOK {
		fail("GET %s: %s: %s", path, resp.Status, body)
	}
	return body
}

// openCheckpoint verifies a signed note and parses its tlog-checkpoint text.
func openCheckpoint(msg []byte, verifiers note.Verifiers) checkpoint {
	n, err := note.Open(msg, verifiers)
	if err != nil {
		fail("opening the checkpoint: %v", err)
	}
	lines := strings.Split(n.Text, "\n")
	if len(lines) < 4 {
		fail("not a checkpoint: %q", n.Text)
	}
	size, err := strconv.ParseInt(lines[1], 10, 64)
	if err != nil {
		fail("checkpoint size: %v", err)
	}
	root, err := tlog.ParseHash(lines[2])
	if err != nil {
		fail("checkpoint root: %v", err)
	}
	return checkpoint{lines[0], size, root}
}

// tileReader fetches tiles by their C2SP tlog-tiles paths: Go's own Tile.Path
// is the older sumdb form, tile/<H>/<L>/<N>, with the height in it.
type tileReader struct{ base string }

func (r tileReader) Height() int { return 8 }

func (r tileReader) ReadTiles(tiles []tlog.Tile) ([][]byte, error) {
	data := make([][]byte, len(tiles))
	for i, t := range tiles {
		path := "tile/" + strings.TrimPrefix(t.Path(), "tile/8/")
		data[i] = get(r.base, path)
		if len(data[i]) != t.W*tlog.HashSize {
			return nil, fmt.Errorf("tile %s: %d bytes, want %d", path, len(data[i]), t.W*tlog.HashSize)
		}
	}
	return data, nil
}

func (r tileReader) SaveTiles(tiles []tlog.Tile, data [][]byte) {}

// entry returns leaf i's entry from its entry bundle (uint16-length-prefixed entries).
func entry(base string, size, i int64) []byte {
	t := tlog.Tile{H: 8, L: -1, N: i / 256}
	if full := (t.N + 1) * 256; full > size {
		t.W = int(size - t.N*256)
	} else {
		t.W = 256
	}
	path := "tile/entries/" + strings.TrimPrefix(t.Path(), "tile/8/data/")
	bundle := get(base, path)
	for k := int64(0); ; k++ {
		if len(bundle) < 2 {
			fail("entry bundle %s ends before entry %d", path, i)
		}
		n := int(binary.BigEndian.Uint16(bundle))
		if k == i-t.N*256 {
			return bundle[2 : 2+n]
		}
		bundle = bundle[2+n:]
	}
}

func decodeHashes(items []string) []tlog.Hash {
	hashes := make([]tlog.Hash, len(items))
	for i, s := range items {
		h, err := tlog.ParseHash(s)
		if err != nil {
			fail("proof hash %d: %v", i, err)
		}
		hashes[i] = h
	}
	return hashes
}

type proofDocument struct {
	LeafIndex int64    `json:"leaf_index"`
	TreeSize  int64    `json:"tree_size"`
	Entry     string   `json:"entry"`
	Proof     []string `json:"proof"`
}

func main() {
	base := flag.String("url", "", "the server's base URL")
	vkey := flag.String("vkey", "", "the log's verifier key")
	oldFile := flag.String("old", "", "an older signed checkpoint (file)")
	leaves := flag.String("leaves", "", "leaf indexes to prove (default: a spread)")
	flag.Parse()

	verifier, err := note.NewVerifier(*vkey)
	if err != nil {
		fail("verifier key: %v", err)
	}
	verifiers := note.VerifierList(verifier)
	cp := openCheckpoint(get(*base, "checkpoint"), verifiers)
	tree := tlog.Tree{N: cp.size, Hash: cp.root}
	hashes := tlog.TileHashReader(tree, tileReader{*base})

	root, err := tlog.TreeHash(cp.size, hashes)
	if err != nil || root != cp.root {
		fail("the root from the tiles is %v (%v), the checkpoint's %v", root, err, cp.root)
	}

	var indexes []int64
	if *leaves != "" {
		for _, s := range strings.Split(*leaves, ",") {
			i, err := strconv.ParseInt(s, 10, 64)
			if err != nil {
				fail("-leaves: %v", err)
			}
			indexes = append(indexes, i)
		}
	} else {
		for _, i := range []int64{0, 1, 255, 256, 257, cp.size / 2, cp.size - 1} {
			if i >= 0 && i < cp.size {
				indexes = append(indexes, i)
			}
		}
	}
	for _, i := range indexes {
		data := entry(*base, cp.size, i)
		proof, err := tlog.ProveRecord(cp.size, i, hashes)
		if err != nil {
			fail("proving leaf %d from tiles: %v", i, err)
		}
		if err := tlog.CheckRecord(proof, cp.size, cp.root, i, tlog.RecordHash(data)); err != nil {
			fail("leaf %d from tiles: %v", i, err)
		}
		// The server's own inclusion proof, for the event's position.
		position := binary.BigEndian.Uint64(data[1:9])
		var doc proofDocument
		query := url.Values{"position": {strconv.FormatUint(position, 10)}, "size": {strconv.FormatInt(cp.size, 10)}}
		if err := json.Unmarshal(get(*base, "proof/inclusion?"+query.Encode()), &doc); err != nil {
			fail("inclusion proof JSON: %v", err)
		}
		served, _ := base64.StdEncoding.DecodeString(doc.Entry)
		if doc.LeafIndex != i || doc.TreeSize != cp.size || !bytes.Equal(served, data) {
			fail("the server's proof for position %d is of leaf %d", position, doc.LeafIndex)
		}
		if err := tlog.CheckRecord(decodeHashes(doc.Proof), cp.size, cp.root, i, tlog.RecordHash(data)); err != nil {
			fail("the server's inclusion proof of leaf %d: %v", i, err)
		}
	}
	fmt.Printf("checkpoint %s size %d verified; root recomputed from tiles; %d inclusion proofs checked\n",
		cp.origin, cp.size, len(indexes))

	if *oldFile != "" {
		msg, err := os.ReadFile(*oldFile)
		if err != nil {
			fail("%v", err)
		}
		old := openCheckpoint(msg, verifiers)
		proof, err := tlog.ProveTree(cp.size, old.size, hashes)
		if err != nil {
			fail("proving consistency from tiles: %v", err)
		}
		if err := tlog.CheckTree(proof, cp.size, cp.root, old.size, old.root); err != nil {
			fail("consistency from tiles: %v", err)
		}
		var doc struct {
			Proof []string `json:"proof"`
		}
		query := url.Values{"from": {strconv.FormatInt(old.size, 10)}, "to": {strconv.FormatInt(cp.size, 10)}}
		if err := json.Unmarshal(get(*base, "proof/consistency?"+query.Encode()), &doc); err != nil {
			fail("consistency proof JSON: %v", err)
		}
		if err := tlog.CheckTree(decodeHashes(doc.Proof), cp.size, cp.root, old.size, old.root); err != nil {
			fail("the server's consistency proof: %v", err)
		}
		fmt.Printf("consistency from size %d to %d checked\n", old.size, cp.size)
	}
}
