package objstore

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"strings"

	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob"
	"gocloud.dev/blob"
	"gocloud.dev/blob/azureblob" // also registers gocloud's azblob:// opener
)

// azblob:// containers through gocloud's opener, with its environment
// credentials; WITH credentials = 'env:NAME' names the environment
// variable holding the account's connection string, which this file's
// opener reads. Region and endpoint do not apply (domain and protocol go
// in the URL).
func init() {
	Register(Scheme{Name: "azblob", Shared: true,
		Options: func(o Options, q url.Values) error {
			if o.Region != "" || o.Endpoint != "" {
				return fmt.Errorf("WITH region and endpoint apply to s3:// sources, not azblob:// (give domain and protocol in the URL)")
			}
			if o.Credentials != "" {
				name, ok := strings.CutPrefix(o.Credentials, "env:")
				if !ok || name == "" {
					return fmt.Errorf("WITH credentials for azblob:// names an environment variable holding a connection string: 'env:NAME'")
				}
				setParam(q, azureConnEnvParam, name)
			}
			return nil
		},
		Open: func(ctx context.Context, bucketURL string) (*blob.Bucket, error) {
			if !strings.Contains(bucketURL, azureConnEnvParam+"=") {
				return blob.OpenBucket(ctx, bucketURL)
			}
			return openAzure(bucketURL)
		}})
}

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
