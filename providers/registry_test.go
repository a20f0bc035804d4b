package providers

import (
	"context"
	"errors"
	"testing"

	"github.com/airside-dev/flightdeck/model"
)

type regSource struct{ keys []model.EnvKey }

func (s regSource) Name() string                                     { return "aws test" }
func (s regSource) Kind() string                                     { return "aws" }
func (s regSource) Covers() []model.EnvKey                           { return s.keys }
func (s regSource) Fetch(context.Context) ([]model.EnvStatus, error) { return nil, nil }
func (s regSource) FetchEnv(context.Context, model.EnvKey) (model.EnvStatus, error) {
	return model.EnvStatus{}, nil
}

func TestRegistry(t *testing.T) {
	prod := model.EnvKey{Service: "api", Environment: "production"}
	r := NewRegistry()
	r.AddSource(regSource{keys: []model.EnvKey{prod}})
	if _, ok := r.Env(prod); !ok {
		t.Fatal("the source should serve api/production")
	}
	if _, ok := EnvAs[EnvReader](r, prod); !ok {
		t.Error("it reads environments")
	}
	if _, ok := EnvAs[Rollbacker](r, prod); ok {
		t.Error("it cannot roll back, and must not be found as a Rollbacker")
	}
	if _, ok := r.Env(model.EnvKey{Service: "api", Environment: "staging"}); ok {
		t.Error("nothing serves api/staging")
	}
	if lr, repo := r.Lineage("api"); lr != nil || repo != "" {
		t.Error("no lineage was set")
	}
	closed := 0
	r.OnClose(func() error { closed++; return errors.New("cache not saved") })
	if err := r.Close(); err == nil || closed != 1 {
		t.Errorf("Close: %v, %d closers run", err, closed)
	}
	if err := r.Close(); err != nil || closed != 1 {
		t.Errorf("a second Close runs nothing: %v, %d", err, closed)
	}
	var none *Registry
	if _, ok := none.Env(prod); ok || none.Close() != nil || none.Sources() != nil {
		t.Error("a nil registry serves nothing and closes cleanly")
	}
}
