package sources

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"strings"

	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob"
	"gocloud.dev/blob"
	"gocloud.dev/blob/azureblob"
)

// azureConnEnvParam is lakelink's own query parameter of azblob:// bucket
// URLs: the name of the environment variable that holds the account's
// connection string, from COPY's WITH (credentials = 'env:NAME'). The URL
// carries the variable's name, never the secret; worker processes inherit
// the environment.
const azureConnEnvParam = "connection_string_env"

// openAzure opens an azblob:// container with a connection string read
// from the environment. Errors name the variable, never its value.
func openAzure(bucketURL string) (*blob.Bucket, error) {
	rest, query, _ := strings.Cut(bucketURL, "?")
	q, err := url.ParseQuery(query)
	if err != nil {
		return nil, fmt.Errorf("bad query in %s: %w", redact(bucketURL), err)
	}
	name := q.Get(azureConnEnvParam)
	conn := os.Getenv(name)
	if conn == "" {
		return nil, fmt.Errorf("Azure credentials env:%s: the environment variable is not set", name)
	}
	client, err := azblob.NewClientFromConnectionString(conn, nil)
	if err != nil {
		return nil, fmt.Errorf("Azure credentials env:%s: not a usable connection string", name)
	}
	container := strings.TrimPrefix(rest, "azblob://")
	return azureblob.OpenBucket(context.Background(), client.ServiceClient().NewContainerClient(container), nil)
}
