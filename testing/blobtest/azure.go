package blobtest

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob"
)

// Azure is an Azurite blob server with in-memory storage.
type Azure struct {
	Host string // 127.0.0.1:PORT
}

// Azurite's well-known development account: published in Azure's own
// documentation for the emulator, not a secret.
const (
	azureAccount = "devstoreaccount1"
	azureKey     = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="
)

// StartAzure starts Azurite's blob service on 127.0.0.1 for the length of
// the test and points the Azure storage environment at its development
// account. Azurite comes from npm (`make emulators-install` puts it in
// .cache/npm); node runs it.
func StartAzure(t *testing.T) *Azure {
	t.Helper()
	main := azuriteMain(t)
	node := binary(t, "node", "LAKELINK_NODE")
	port := freePort(t)
	addr := loopback(port)
	start(t, addr, nil, node, main, "--blobHost", "127.0.0.1", "--blobPort", fmt.Sprint(port),
		"--inMemoryPersistence", "--silent", "--disableTelemetry", "--skipApiVersionCheck")
	t.Setenv("AZURE_STORAGE_ACCOUNT", azureAccount)
	t.Setenv("AZURE_STORAGE_KEY", azureKey)
	return &Azure{Host: addr}
}

// azuriteMain finds Azurite's blob entry point: $LAKELINK_AZURITE, or
// .cache/npm/node_modules of the module root.
func azuriteMain(t *testing.T) string {
	if p := os.Getenv("LAKELINK_AZURITE"); p != "" {
		return p
	}
	if dir, err := os.Getwd(); err == nil {
		for ; dir != filepath.Dir(dir); dir = filepath.Dir(dir) {
			if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
				p := filepath.Join(dir, ".cache", "npm", "node_modules", "azurite", "dist", "src", "blob", "main.js")
				if _, err := os.Stat(p); err == nil {
					return p
				}
				break
			}
		}
	}
	missing(t, "Azurite is not installed: run `make emulators-install` (or set LAKELINK_AZURITE)")
	return ""
}

// Query is the URL query that reaches this server.
func (a *Azure) Query() string { return "protocol=http&domain=" + a.Host + "&localemu=true" }

// CreateContainer creates a blob container.
func (a *Azure) CreateContainer(t *testing.T, name string) {
	t.Helper()
	cred, err := azblob.NewSharedKeyCredential(azureAccount, azureKey)
	if err != nil {
		t.Fatal(err)
	}
	c, err := azblob.NewClientWithSharedKeyCredential(fmt.Sprintf("http://%s/%s/", a.Host, azureAccount), cred, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.CreateContainer(context.Background(), name, nil); err != nil {
		t.Fatalf("create container %s: %v", name, err)
	}
}

// URL is azblob://container/key?<Query>.
func (a *Azure) URL(container, key string) string {
	return "azblob://" + container + "/" + key + "?" + a.Query()
}

// ConnectionString is the development account's connection string for
// this server.
func (a *Azure) ConnectionString() string {
	return fmt.Sprintf("DefaultEndpointsProtocol=http;AccountName=%s;AccountKey=%s;BlobEndpoint=http://%s/%s;", azureAccount, azureKey, a.Host, azureAccount)
}
