/// The OpenAPI 3.1 description of every route (`GET /openapi.json`). `FrontApplication.routes`
/// and this document are compared by a test, and a live cluster is checked against it.
enum OpenAPIDocument {
    static let json = #"""
    {
      "openapi": "3.1.0",
      "info": {"title": "Windrow", "version": "0.2.0",
               "description": "Distributed map-reduce stream aggregation for metrics: ingest samples, query windows."},
      "paths": {
        "/v1/metrics": {
          "post": {
            "summary": "Ingest samples as JSON",
            "description": "One object or an array of objects. Valid items are taken even when others are rejected; the answer comes once the samples are durably in the cluster's hands.",
            "requestBody": {"required": true, "content": {"application/json": {"schema": {
              "oneOf": [{"$ref": "#/components/schemas/Sample"}, {"type": "array", "items": {"$ref": "#/components/schemas/Sample"}}]}}}},
            "responses": {
              "202": {"description": "At least one sample taken", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/IngestResult"}}}},
              "400": {"description": "No valid sample, or malformed JSON", "content": {"application/json": {"schema": {
                "oneOf": [{"$ref": "#/components/schemas/IngestResult"}, {"$ref": "#/components/schemas/Error"}]}}}},
              "413": {"description": "Body (after gzip) or sample count over the limit; nothing taken", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
              "503": {"description": "No mapper available", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
            }
          },
          "get": {
            "summary": "Known metric names",
            "parameters": [{"name": "prefix", "in": "query", "required": false, "schema": {"type": "string"}}],
            "responses": {
              "200": {"description": "Names", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Names"}}}},
              "503": {"description": "A reducer is unavailable", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
            }
          }
        },
        "/write": {
          "post": {
            "summary": "Ingest InfluxDB line protocol",
            "description": "measurement[,tag=value...] field=value[,field=value...] [timestamp]. Field value gives the metric measurement; another numeric field f gives measurement.f. Good lines are taken even when others are bad.",
            "parameters": [
              {"name": "precision", "in": "query", "required": false, "schema": {"type": "string", "enum": ["n", "ns", "u", "us", "ms", "s", "m", "h"]}},
              {"name": "db", "in": "query", "required": false, "description": "Accepted and ignored", "schema": {"type": "string"}}
            ],
            "requestBody": {"required": true, "content": {"text/plain": {"schema": {"type": "string"}}}},
            "responses": {
              "204": {"description": "Every line written"},
              "400": {"description": "A bad line, named in the message", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
              "413": {"description": "Body (after gzip) or sample count over the limit; nothing taken", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
              "503": {"description": "No mapper available", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
            }
          }
        },
        "/api/v2/write": {
          "post": {
            "summary": "Ingest InfluxDB line protocol (2.x path; bucket and org ignored)",
            "description": "measurement[,tag=value...] field=value[,field=value...] [timestamp]. Field value gives the metric measurement; another numeric field f gives measurement.f. Good lines are taken even when others are bad.",
            "parameters": [
              {"name": "precision", "in": "query", "required": false, "schema": {"type": "string", "enum": ["n", "ns", "u", "us", "ms", "s", "m", "h"]}},
              {"name": "db", "in": "query", "required": false, "description": "Accepted and ignored", "schema": {"type": "string"}}
            ],
            "requestBody": {"required": true, "content": {"text/plain": {"schema": {"type": "string"}}}},
            "responses": {
              "204": {"description": "Every line written"},
              "400": {"description": "A bad line, named in the message", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
              "413": {"description": "Body (after gzip) or sample count over the limit; nothing taken", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
              "503": {"description": "No mapper available", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
            }
          }
        },
        "/v1/query": {
          "get": {
            "summary": "Aggregates of one metric per time bucket",
            "parameters": [
              {"name": "name", "in": "query", "required": true, "schema": {"type": "string"}},
              {"name": "from", "in": "query", "required": true, "description": "RFC 3339 or epoch milliseconds, inclusive", "schema": {"type": "string"}},
              {"name": "to", "in": "query", "required": true, "description": "RFC 3339 or epoch milliseconds, exclusive", "schema": {"type": "string"}},
              {"name": "step", "in": "query", "required": false, "description": "A multiple of the base window: 1m, 15m, 1h, 1d", "schema": {"type": "string"}},
              {"name": "stats", "in": "query", "required": false, "description": "Comma list of avg,min,max,sum,count,stddev,first,last,p50,p90,p95,p99,rate", "schema": {"type": "string"}},
              {"name": "tags", "in": "query", "required": false, "description": "Filter: key:value,key:value", "schema": {"type": "string"}},
              {"name": "group_by", "in": "query", "required": false, "description": "Tag keys, comma-separated", "schema": {"type": "string"}},
              {"name": "fill", "in": "query", "required": false, "schema": {"type": "string", "enum": ["none", "null", "zero"]}}
            ],
            "responses": {
              "200": {"description": "Buckets", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/QueryResult"}}}},
              "400": {"description": "A bad parameter, named in the message", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
              "422": {"description": "The query would read more series than --query-series-max (named in the message)", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
              "503": {"description": "The owning reducer is unavailable", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
            }
          }
        },
        "/v1/stream": {
          "get": {
            "summary": "Server-Sent Events of window updates, the open window included",
            "parameters": [
              {"name": "name", "in": "query", "required": true, "schema": {"type": "string"}},
              {"name": "step", "in": "query", "required": false, "schema": {"type": "string"}},
              {"name": "stats", "in": "query", "required": false, "schema": {"type": "string"}},
              {"name": "tags", "in": "query", "required": false, "schema": {"type": "string"}},
              {"name": "group_by", "in": "query", "required": false, "schema": {"type": "string"}},
              {"name": "refresh", "in": "query", "required": false, "description": "Milliseconds between updates (at least 250)", "schema": {"type": "integer", "minimum": 250}}
            ],
            "responses": {
              "200": {"description": "event: window, data: {\"tags\", \"timestamp\", <stat>: value}; ': keep-alive' comments", "content": {"text/event-stream": {"schema": {"type": "string"}}}},
              "400": {"description": "A bad parameter", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
              "503": {"description": "Too many streams, or the cluster is unavailable", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
            }
          }
        },
        "/v1/cluster": {
          "get": {
            "summary": "Membership, partition map, watermark and per-node figures",
            "responses": {
              "200": {"description": "The cluster", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Cluster"}}}},
              "503": {"description": "The coordinator has not answered", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
            }
          }
        },
        "/v1/cluster/drain": {
          "post": {
            "summary": "Drain a reducer (admin scope): a live handover moves its partitions to the others, then it leaves the map (windrow local stops it)",
            "parameters": [{"name": "node", "in": "query", "required": true, "schema": {"type": "string"}, "description": "The reducer's id, as on GET /v1/cluster"}],
            "responses": {
              "202": {"description": "The drain is under way; GET /v1/cluster shows the handover", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Membership"}}}},
              "400": {"description": "No node named", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
              "404": {"description": "No such reducer", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
              "409": {"description": "Refused: the last reducer not draining", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
              "503": {"description": "The coordinator did not answer", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
            }
          }
        },
        "/v1/cluster/reducers": {
          "post": {
            "summary": "Ask for a number of reducers (admin scope): new ones join and the last ones drain, by live handover",
            "requestBody": {"required": true, "content": {"application/json": {"schema": {"type": "object", "required": ["count"], "properties": {
              "count": {"type": "integer", "minimum": 1, "maximum": 1024}}}}}},
            "responses": {
              "202": {"description": "Asked; GET /v1/cluster shows the handovers", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Membership"}}}},
              "400": {"description": "The body is not {\"count\": N}", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
              "409": {"description": "Refused (count out of range)", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
              "503": {"description": "The coordinator did not answer", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
            }
          }
        },
        "/ping": {"get": {"summary": "InfluxDB-compatible ping (clients check it before writing)", "responses": {
          "204": {"description": "The server is up; X-Influxdb-Version names it"}}}},
        "/query": {
          "get": {"summary": "InfluxDB 1.x database setup: CREATE DATABASE (a no-op) and SHOW DATABASES; other InfluxQL is refused",
                  "parameters": [{"name": "q", "in": "query", "required": true, "schema": {"type": "string"}}],
                  "responses": {
                    "200": {"description": "InfluxDB results", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/InfluxResults"}}}},
                    "400": {"description": "Unsupported statement", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}}},
          "post": {"summary": "As GET (clients send CREATE DATABASE with POST)",
                   "parameters": [{"name": "q", "in": "query", "required": true, "schema": {"type": "string"}}],
                   "responses": {
                     "200": {"description": "InfluxDB results", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/InfluxResults"}}}},
                     "400": {"description": "Unsupported statement", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}}}},
        "/healthz": {"get": {"summary": "Liveness", "responses": {"200": {"description": "Alive", "content": {"text/plain": {"schema": {"type": "string"}}}}}}},
        "/readyz": {"get": {"summary": "Readiness: coordinator known, every partition owned", "responses": {
          "200": {"description": "Ready", "content": {"text/plain": {"schema": {"type": "string"}}}},
          "503": {"description": "Not ready", "content": {"text/plain": {"schema": {"type": "string"}}}}}}},
        "/metrics": {"get": {"summary": "Prometheus text exposition of the node's figures", "responses": {
          "200": {"description": "Metrics", "content": {"text/plain": {"schema": {"type": "string"}}}}}}},
        "/openapi.json": {"get": {"summary": "This document", "responses": {
          "200": {"description": "OpenAPI 3.1", "content": {"application/json": {"schema": {"type": "object"}}}}}}},
        "/": {"get": {"summary": "The web page", "responses": {
          "200": {"description": "HTML", "content": {"text/html": {"schema": {"type": "string"}}}}}}},
        "/api/v1/query_range": {
          "get": {
            "summary": "PromQL range query",
            "description": "A matrix of the PromQL subset (docs/prometheus.md) at start, start+step, ..., end.",
            "parameters": [
              {
                "name": "query",
                "in": "query",
                "required": true,
                "schema": {
                  "type": "string"
                }
              },
              {
                "name": "start",
                "in": "query",
                "required": true,
                "schema": {
                  "type": "string"
                }
              },
              {
                "name": "end",
                "in": "query",
                "required": true,
                "schema": {
                  "type": "string"
                }
              },
              {
                "name": "step",
                "in": "query",
                "required": true,
                "schema": {
                  "type": "string"
                }
              }
            ],
            "responses": {
              "200": {
                "description": "Prometheus' success envelope",
                "content": {
                  "application/json": {
                    "schema": {
                      "$ref": "#/components/schemas/PrometheusSuccess"
                    }
                  }
                }
              },
              "400": {
                "description": "bad_data: a bad parameter, or PromQL outside the subset (named)",
                "content": {
                  "application/json": {
                    "schema": {
                      "$ref": "#/components/schemas/PrometheusError"
                    }
                  }
                }
              },
              "413": {
                "description": "Form body over the limit",
                "content": {
                  "application/json": {
                    "schema": {
                      "$ref": "#/components/schemas/Error"
                    }
                  }
                }
              },
              "422": {
                "description": "execution: the query would read more series than --query-series-max, or a step finer than the retention keeps",
                "content": {
                  "application/json": {
                    "schema": {
                      "$ref": "#/components/schemas/PrometheusError"
                    }
                  }
                }
              },
              "503": {
                "description": "unavailable: the cluster cannot answer",
                "content": {
                  "application/json": {
                    "schema": {
                      "$ref": "#/components/schemas/PrometheusError"
                    }
                  }
                }
              }
            }
          },
          "post": {
            "summary": "PromQL range query (form-encoded body, Grafana's default)",
            "description": "A matrix of the PromQL subset (docs/prometheus.md) at start, start+step, ..., end.",
            "requestBody": {
              "required": false,
              "content": {
                "application/x-www-form-urlencoded": {
                  "schema": {
                    "type": "object",
                    "properties": {
                      "query": {
                        "type": "string"
                      },
                      "start": {
                        "type": "string"
                      },
                      "end": {
                        "type": "string"
                      },
                      "step": {
                        "type": "string"
                      }
                    }
                  }
                }
              }
            },
            "responses": {
              "200": {
                "description": "Prometheus' success envelope",
                "content": {
                  "application/json": {
                    "schema": {
                      "$ref": "#/components/schemas/PrometheusSuccess"
                    }
                  }
                }
              },
              "400": {
                "description": "bad_data: a bad parameter, or PromQL outside the subset (named)",
                "content": {
                  "application/json": {
                    "schema": {
                      "$ref": "#/components/schemas/PrometheusError"
                    }
                  }
                }
              },
              "413": {
                "description": "Form body over the limit",
                "content": {
                  "application/json": {
                    "schema": {
                      "$ref": "#/components/schemas/Error"
                    }
                  }
                }
              },
              "422": {
                "description": "execution: the query would read more series than --query-series-max, or a step finer than the retention keeps",
                "content": {
                  "application/json": {
                    "schema": {
                      "$ref": "#/components/schemas/PrometheusError"
                    }
                  }
                }
              },
              "503": {
                "description": "unavailable: the cluster cannot answer",
                "content": {
                  "application/json": {
                    "schema": {
                      "$ref": "#/components/schemas/PrometheusError"
                    }
                  }
                }
              }
            }
          }
        },
        "/api/v1/query": {
          "get": {
            "summary": "PromQL instant query",
            "description": "A vector or scalar at time (default now).",
            "parameters": [
              {
                "name": "query",
                "in": "query",
                "required": true,
                "schema": {
                  "type": "string"
                }
              },
              {
                "name": "time",
                "in": "query",
                "required": false,
                "schema": {
                  "type": "string"
                }
              }
            ],
            "responses": {
              "200": {
                "description": "Prometheus' success envelope",
                "content": {
                  "application/json": {
                    "schema": {
                      "$ref": "#/components/schemas/PrometheusSuccess"
                    }
                  }
                }
              },
              "400": {
                "description": "bad_data: a bad parameter, or PromQL outside the subset (named)",
                "content": {
                  "application/json": {
                    "schema": {
                      "$ref": "#/components/schemas/PrometheusError"
                    }
                  }
                }
              },
              "413": {
                "description": "Form body over the limit",
                "content": {
                  "application/json": {
                    "schema": {
                      "$ref": "#/components/schemas/Error"
                    }
                  }
                }
              },
              "422": {
                "description": "execution: the query would read more series than --query-series-max, or a step finer than the retention keeps",
                "content": {
                  "application/json": {
                    "schema": {
                      "$ref": "#/components/schemas/PrometheusError"
                    }
                  }
                }
              },
              "503": {
                "description": "unavailable: the cluster cannot answer",
                "content": {
                  "application/json": {
                    "schema": {
                      "$ref": "#/components/schemas/PrometheusError"
                    }
                  }
                }
              }
            }
          },
          "post": {
            "summary": "PromQL instant query (form-encoded body, Grafana's default)",
            "description": "A vector or scalar at time (default now).",
            "requestBody": {
              "required": false,
              "content": {
                "application/x-www-form-urlencoded": {
                  "schema": {
                    "type": "object",
                    "properties": {
                      "query": {
                        "type": "string"
                      },
                      "time": {
                        "type": "string"
                      }
                    }
                  }
                }
              }
            },
            "responses": {
              "200": {
                "description": "Prometheus' success envelope",
                "content": {
                  "application/json": {
                    "schema": {
                      "$ref": "#/components/schemas/PrometheusSuccess"
                    }
                  }
                }
              },
              "400": {
                "description": "bad_data: a bad parameter, or PromQL outside the subset (named)",
                "content": {
                  "application/json": {
                    "schema": {
                      "$ref": "#/components/schemas/PrometheusError"
                    }
                  }
                }
              },
              "413": {
                "description": "Form body over the limit",
                "content": {
                  "application/json": {
                    "schema": {
                      "$ref": "#/components/schemas/Error"
                    }
                  }
                }
              },
              "422": {
                "description": "execution: the query would read more series than --query-series-max, or a step finer than the retention keeps",
                "content": {
                  "application/json": {
                    "schema": {
                      "$ref": "#/components/schemas/PrometheusError"
                    }
                  }
                }
              },
              "503": {
                "description": "unavailable: the cluster cannot answer",
                "content": {
                  "application/json": {
                    "schema": {
                      "$ref": "#/components/schemas/PrometheusError"
                    }
                  }
                }
              }
            }
          }
        },
        "/api/v1/series": {
          "get": {
            "summary": "Series matching selectors",
            "description": "The label sets of the series that match[] selects.",
            "parameters": [
              {
                "name": "match[]",
                "in": "query",
                "required": true,
                "schema": {
                  "type": "string"
                }
              },
              {
                "name": "start",
                "in": "query",
                "required": false,
                "schema": {
                  "type": "string"
                }
              },
              {
                "name": "end",
                "in": "query",
                "required": false,
                "schema": {
                  "type": "string"
                }
              }
            ],
            "responses": {
              "200": {
                "description": "Prometheus' success envelope",
                "content": {
                  "application/json": {
                    "schema": {
                      "$ref": "#/components/schemas/PrometheusSuccess"
                    }
                  }
                }
              },
              "400": {
                "description": "bad_data: a bad parameter, or PromQL outside the subset (named)",
                "content": {
                  "application/json": {
                    "schema": {
                      "$ref": "#/components/schemas/PrometheusError"
                    }
                  }
                }
              },
              "413": {
                "description": "Form body over the limit",
                "content": {
                  "application/json": {
                    "schema": {
                      "$ref": "#/components/schemas/Error"
                    }
                  }
                }
              },
              "422": {
                "description": "execution: the query would read more series than --query-series-max, or a step finer than the retention keeps",
                "content": {
                  "application/json": {
                    "schema": {
                      "$ref": "#/components/schemas/PrometheusError"
                    }
                  }
                }
              },
              "503": {
                "description": "unavailable: the cluster cannot answer",
                "content": {
                  "application/json": {
                    "schema": {
                      "$ref": "#/components/schemas/PrometheusError"
                    }
                  }
                }
              }
            }
          },
          "post": {
            "summary": "Series matching selectors (form-encoded body, Grafana's default)",
            "description": "The label sets of the series that match[] selects.",
            "requestBody": {
              "required": false,
              "content": {
                "application/x-www-form-urlencoded": {
                  "schema": {
                    "type": "object",
                    "properties": {
                      "match[]": {
                        "type": "string"
                      },
                      "start": {
                        "type": "string"
                      },
                      "end": {
                        "type": "string"
                      }
                    }
                  }
                }
              }
            },
            "responses": {
              "200": {
                "description": "Prometheus' success envelope",
                "content": {
                  "application/json": {
                    "schema": {
                      "$ref": "#/components/schemas/PrometheusSuccess"
                    }
                  }
                }
              },
              "400": {
                "description": "bad_data: a bad parameter, or PromQL outside the subset (named)",
                "content": {
                  "application/json": {
                    "schema": {
                      "$ref": "#/components/schemas/PrometheusError"
                    }
                  }
                }
              },
              "413": {
                "description": "Form body over the limit",
                "content": {
                  "application/json": {
                    "schema": {
                      "$ref": "#/components/schemas/Error"
                    }
                  }
                }
              },
              "422": {
                "description": "execution: the query would read more series than --query-series-max, or a step finer than the retention keeps",
                "content": {
                  "application/json": {
                    "schema": {
                      "$ref": "#/components/schemas/PrometheusError"
                    }
                  }
                }
              },
              "503": {
                "description": "unavailable: the cluster cannot answer",
                "content": {
                  "application/json": {
                    "schema": {
                      "$ref": "#/components/schemas/PrometheusError"
                    }
                  }
                }
              }
            }
          }
        },
        "/api/v1/labels": {
          "get": {
            "summary": "Label names",
            "description": "Label names of the series match[] selects, or of every series.",
            "parameters": [
              {
                "name": "match[]",
                "in": "query",
                "required": false,
                "schema": {
                  "type": "string"
                }
              },
              {
                "name": "start",
                "in": "query",
                "required": false,
                "schema": {
                  "type": "string"
                }
              },
              {
                "name": "end",
                "in": "query",
                "required": false,
                "schema": {
                  "type": "string"
                }
              }
            ],
            "responses": {
              "200": {
                "description": "Prometheus' success envelope",
                "content": {
                  "application/json": {
                    "schema": {
                      "$ref": "#/components/schemas/PrometheusSuccess"
                    }
                  }
                }
              },
              "400": {
                "description": "bad_data: a bad parameter, or PromQL outside the subset (named)",
                "content": {
                  "application/json": {
                    "schema": {
                      "$ref": "#/components/schemas/PrometheusError"
                    }
                  }
                }
              },
              "413": {
                "description": "Form body over the limit",
                "content": {
                  "application/json": {
                    "schema": {
                      "$ref": "#/components/schemas/Error"
                    }
                  }
                }
              },
              "422": {
                "description": "execution: the query would read more series than --query-series-max, or a step finer than the retention keeps",
                "content": {
                  "application/json": {
                    "schema": {
                      "$ref": "#/components/schemas/PrometheusError"
                    }
                  }
                }
              },
              "503": {
                "description": "unavailable: the cluster cannot answer",
                "content": {
                  "application/json": {
                    "schema": {
                      "$ref": "#/components/schemas/PrometheusError"
                    }
                  }
                }
              }
            }
          },
          "post": {
            "summary": "Label names (form-encoded body, Grafana's default)",
            "description": "Label names of the series match[] selects, or of every series.",
            "requestBody": {
              "required": false,
              "content": {
                "application/x-www-form-urlencoded": {
                  "schema": {
                    "type": "object",
                    "properties": {
                      "match[]": {
                        "type": "string"
                      },
                      "start": {
                        "type": "string"
                      },
                      "end": {
                        "type": "string"
                      }
                    }
                  }
                }
              }
            },
            "responses": {
              "200": {
                "description": "Prometheus' success envelope",
                "content": {
                  "application/json": {
                    "schema": {
                      "$ref": "#/components/schemas/PrometheusSuccess"
                    }
                  }
                }
              },
              "400": {
                "description": "bad_data: a bad parameter, or PromQL outside the subset (named)",
                "content": {
                  "application/json": {
                    "schema": {
                      "$ref": "#/components/schemas/PrometheusError"
                    }
                  }
                }
              },
              "413": {
                "description": "Form body over the limit",
                "content": {
                  "application/json": {
                    "schema": {
                      "$ref": "#/components/schemas/Error"
                    }
                  }
                }
              },
              "422": {
                "description": "execution: the query would read more series than --query-series-max, or a step finer than the retention keeps",
                "content": {
                  "application/json": {
                    "schema": {
                      "$ref": "#/components/schemas/PrometheusError"
                    }
                  }
                }
              },
              "503": {
                "description": "unavailable: the cluster cannot answer",
                "content": {
                  "application/json": {
                    "schema": {
                      "$ref": "#/components/schemas/PrometheusError"
                    }
                  }
                }
              }
            }
          }
        },
        "/api/v1/label/{name}/values": {
          "get": {
            "summary": "Values of a label",
            "description": "__name__ gives the metric names.",
            "parameters": [
              {
                "name": "name",
                "in": "path",
                "required": true,
                "schema": {
                  "type": "string"
                }
              },
              {
                "name": "match[]",
                "in": "query",
                "required": false,
                "schema": {
                  "type": "string"
                }
              },
              {
                "name": "start",
                "in": "query",
                "required": false,
                "schema": {
                  "type": "string"
                }
              },
              {
                "name": "end",
                "in": "query",
                "required": false,
                "schema": {
                  "type": "string"
                }
              }
            ],
            "responses": {
              "200": {
                "description": "Prometheus' success envelope",
                "content": {
                  "application/json": {
                    "schema": {
                      "$ref": "#/components/schemas/PrometheusSuccess"
                    }
                  }
                }
              },
              "400": {
                "description": "bad_data: a bad parameter, or PromQL outside the subset (named)",
                "content": {
                  "application/json": {
                    "schema": {
                      "$ref": "#/components/schemas/PrometheusError"
                    }
                  }
                }
              },
              "413": {
                "description": "Form body over the limit",
                "content": {
                  "application/json": {
                    "schema": {
                      "$ref": "#/components/schemas/Error"
                    }
                  }
                }
              },
              "422": {
                "description": "execution: the query would read more series than --query-series-max, or a step finer than the retention keeps",
                "content": {
                  "application/json": {
                    "schema": {
                      "$ref": "#/components/schemas/PrometheusError"
                    }
                  }
                }
              },
              "503": {
                "description": "unavailable: the cluster cannot answer",
                "content": {
                  "application/json": {
                    "schema": {
                      "$ref": "#/components/schemas/PrometheusError"
                    }
                  }
                }
              }
            }
          },
          "post": {
            "summary": "Values of a label (form-encoded body, Grafana's default)",
            "description": "__name__ gives the metric names.",
            "parameters": [
              {
                "name": "name",
                "in": "path",
                "required": true,
                "schema": {
                  "type": "string"
                }
              }
            ],
            "requestBody": {
              "required": false,
              "content": {
                "application/x-www-form-urlencoded": {
                  "schema": {
                    "type": "object",
                    "properties": {
                      "match[]": {
                        "type": "string"
                      },
                      "start": {
                        "type": "string"
                      },
                      "end": {
                        "type": "string"
                      }
                    }
                  }
                }
              }
            },
            "responses": {
              "200": {
                "description": "Prometheus' success envelope",
                "content": {
                  "application/json": {
                    "schema": {
                      "$ref": "#/components/schemas/PrometheusSuccess"
                    }
                  }
                }
              },
              "400": {
                "description": "bad_data: a bad parameter, or PromQL outside the subset (named)",
                "content": {
                  "application/json": {
                    "schema": {
                      "$ref": "#/components/schemas/PrometheusError"
                    }
                  }
                }
              },
              "413": {
                "description": "Form body over the limit",
                "content": {
                  "application/json": {
                    "schema": {
                      "$ref": "#/components/schemas/Error"
                    }
                  }
                }
              },
              "422": {
                "description": "execution: the query would read more series than --query-series-max, or a step finer than the retention keeps",
                "content": {
                  "application/json": {
                    "schema": {
                      "$ref": "#/components/schemas/PrometheusError"
                    }
                  }
                }
              },
              "503": {
                "description": "unavailable: the cluster cannot answer",
                "content": {
                  "application/json": {
                    "schema": {
                      "$ref": "#/components/schemas/PrometheusError"
                    }
                  }
                }
              }
            }
          }
        },
        "/api/v1/metadata": {
          "get": {
            "summary": "Metric metadata",
            "description": "Per name: its type.",
            "parameters": [
              {
                "name": "metric",
                "in": "query",
                "required": false,
                "schema": {
                  "type": "string"
                }
              },
              {
                "name": "limit",
                "in": "query",
                "required": false,
                "schema": {
                  "type": "string"
                }
              }
            ],
            "responses": {
              "200": {
                "description": "Prometheus' success envelope",
                "content": {
                  "application/json": {
                    "schema": {
                      "$ref": "#/components/schemas/PrometheusSuccess"
                    }
                  }
                }
              },
              "400": {
                "description": "bad_data: a bad parameter, or PromQL outside the subset (named)",
                "content": {
                  "application/json": {
                    "schema": {
                      "$ref": "#/components/schemas/PrometheusError"
                    }
                  }
                }
              },
              "413": {
                "description": "Form body over the limit",
                "content": {
                  "application/json": {
                    "schema": {
                      "$ref": "#/components/schemas/Error"
                    }
                  }
                }
              },
              "422": {
                "description": "execution: the query would read more series than --query-series-max, or a step finer than the retention keeps",
                "content": {
                  "application/json": {
                    "schema": {
                      "$ref": "#/components/schemas/PrometheusError"
                    }
                  }
                }
              },
              "503": {
                "description": "unavailable: the cluster cannot answer",
                "content": {
                  "application/json": {
                    "schema": {
                      "$ref": "#/components/schemas/PrometheusError"
                    }
                  }
                }
              }
            }
          },
          "post": {
            "summary": "Metric metadata (form-encoded body, Grafana's default)",
            "description": "Per name: its type.",
            "requestBody": {
              "required": false,
              "content": {
                "application/x-www-form-urlencoded": {
                  "schema": {
                    "type": "object",
                    "properties": {
                      "metric": {
                        "type": "string"
                      },
                      "limit": {
                        "type": "string"
                      }
                    }
                  }
                }
              }
            },
            "responses": {
              "200": {
                "description": "Prometheus' success envelope",
                "content": {
                  "application/json": {
                    "schema": {
                      "$ref": "#/components/schemas/PrometheusSuccess"
                    }
                  }
                }
              },
              "400": {
                "description": "bad_data: a bad parameter, or PromQL outside the subset (named)",
                "content": {
                  "application/json": {
                    "schema": {
                      "$ref": "#/components/schemas/PrometheusError"
                    }
                  }
                }
              },
              "413": {
                "description": "Form body over the limit",
                "content": {
                  "application/json": {
                    "schema": {
                      "$ref": "#/components/schemas/Error"
                    }
                  }
                }
              },
              "422": {
                "description": "execution: the query would read more series than --query-series-max, or a step finer than the retention keeps",
                "content": {
                  "application/json": {
                    "schema": {
                      "$ref": "#/components/schemas/PrometheusError"
                    }
                  }
                }
              },
              "503": {
                "description": "unavailable: the cluster cannot answer",
                "content": {
                  "application/json": {
                    "schema": {
                      "$ref": "#/components/schemas/PrometheusError"
                    }
                  }
                }
              }
            }
          }
        },
        "/api/v1/status/buildinfo": {
          "get": {
            "summary": "Build information",
            "description": "Windrow's version.",
            "parameters": [],
            "responses": {
              "200": {
                "description": "Prometheus' success envelope",
                "content": {
                  "application/json": {
                    "schema": {
                      "$ref": "#/components/schemas/PrometheusSuccess"
                    }
                  }
                }
              },
              "400": {
                "description": "bad_data: a bad parameter, or PromQL outside the subset (named)",
                "content": {
                  "application/json": {
                    "schema": {
                      "$ref": "#/components/schemas/PrometheusError"
                    }
                  }
                }
              },
              "413": {
                "description": "Form body over the limit",
                "content": {
                  "application/json": {
                    "schema": {
                      "$ref": "#/components/schemas/Error"
                    }
                  }
                }
              },
              "422": {
                "description": "execution: the query would read more series than --query-series-max, or a step finer than the retention keeps",
                "content": {
                  "application/json": {
                    "schema": {
                      "$ref": "#/components/schemas/PrometheusError"
                    }
                  }
                }
              },
              "503": {
                "description": "unavailable: the cluster cannot answer",
                "content": {
                  "application/json": {
                    "schema": {
                      "$ref": "#/components/schemas/PrometheusError"
                    }
                  }
                }
              }
            }
          },
          "post": {
            "summary": "Build information (form-encoded body, Grafana's default)",
            "description": "Windrow's version.",
            "requestBody": {
              "required": false,
              "content": {
                "application/x-www-form-urlencoded": {
                  "schema": {
                    "type": "object",
                    "properties": {}
                  }
                }
              }
            },
            "responses": {
              "200": {
                "description": "Prometheus' success envelope",
                "content": {
                  "application/json": {
                    "schema": {
                      "$ref": "#/components/schemas/PrometheusSuccess"
                    }
                  }
                }
              },
              "400": {
                "description": "bad_data: a bad parameter, or PromQL outside the subset (named)",
                "content": {
                  "application/json": {
                    "schema": {
                      "$ref": "#/components/schemas/PrometheusError"
                    }
                  }
                }
              },
              "413": {
                "description": "Form body over the limit",
                "content": {
                  "application/json": {
                    "schema": {
                      "$ref": "#/components/schemas/Error"
                    }
                  }
                }
              },
              "422": {
                "description": "execution: the query would read more series than --query-series-max, or a step finer than the retention keeps",
                "content": {
                  "application/json": {
                    "schema": {
                      "$ref": "#/components/schemas/PrometheusError"
                    }
                  }
                }
              },
              "503": {
                "description": "unavailable: the cluster cannot answer",
                "content": {
                  "application/json": {
                    "schema": {
                      "$ref": "#/components/schemas/PrometheusError"
                    }
                  }
                }
              }
            }
          }
        },
        "/api/v1/write": {
          "post": {
            "summary": "Prometheus remote_write 1.0",
            "description": "A snappy-compressed prometheus.WriteRequest. __name__ is the metric name, other labels are tags.",
            "requestBody": {
              "required": true,
              "content": {
                "application/x-protobuf": {
                  "schema": {
                    "type": "string",
                    "format": "binary"
                  }
                },
                "application/octet-stream": {
                  "schema": {
                    "type": "string",
                    "format": "binary"
                  }
                }
              }
            },
            "responses": {
              "204": {
                "description": "Every sample taken"
              },
              "400": {
                "description": "Rejected series or samples (named; the rest taken), or a body that does not decode",
                "content": {
                  "application/json": {
                    "schema": {
                      "$ref": "#/components/schemas/Error"
                    }
                  }
                }
              },
              "413": {
                "description": "Body, or its expansion, over the limit; nothing taken",
                "content": {
                  "application/json": {
                    "schema": {
                      "$ref": "#/components/schemas/Error"
                    }
                  }
                }
              },
              "415": {
                "description": "A Content-Encoding other than snappy",
                "content": {
                  "application/json": {
                    "schema": {
                      "$ref": "#/components/schemas/Error"
                    }
                  }
                }
              },
              "503": {
                "description": "No mapper answered (outcome unknown; retry)",
                "content": {
                  "application/json": {
                    "schema": {
                      "$ref": "#/components/schemas/Error"
                    }
                  }
                }
              }
            }
          }
        },
        "/opentelemetry/v1/metrics": {
          "post": {
            "summary": "OTLP/HTTP metrics",
            "description": "An ExportMetricsServiceRequest, protobuf or JSON (docs/opentelemetry.md says what is kept).",
            "requestBody": {
              "required": true,
              "content": {
                "application/x-protobuf": {
                  "schema": {
                    "type": "string",
                    "format": "binary"
                  }
                },
                "application/json": {
                  "schema": {
                    "type": "object"
                  }
                }
              }
            },
            "responses": {
              "200": {
                "description": "ExportMetricsServiceResponse; partialSuccess counts rejected points",
                "content": {
                  "application/x-protobuf": {
                    "schema": {
                      "type": "string",
                      "format": "binary"
                    }
                  },
                  "application/json": {
                    "schema": {
                      "type": "object"
                    }
                  }
                }
              },
              "400": {
                "description": "Not an export request; nothing taken",
                "content": {
                  "application/json": {
                    "schema": {
                      "$ref": "#/components/schemas/Error"
                    }
                  }
                }
              },
              "413": {
                "description": "Body or sample count over the limit; nothing taken",
                "content": {
                  "application/json": {
                    "schema": {
                      "$ref": "#/components/schemas/Error"
                    }
                  }
                }
              },
              "503": {
                "description": "No mapper answered (outcome unknown; retry)",
                "content": {
                  "application/json": {
                    "schema": {
                      "$ref": "#/components/schemas/Error"
                    }
                  }
                }
              }
            }
          }
        },
        "/v1/cluster/targets": {
          "get": {
            "summary": "Every node's status server in Prometheus http_sd format",
            "responses": {
              "200": {
                "description": "Targets",
                "content": {
                  "application/json": {
                    "schema": {
                      "type": "array",
                      "items": {
                        "type": "object",
                        "required": [
                          "targets",
                          "labels"
                        ],
                        "properties": {
                          "targets": {
                            "type": "array",
                            "items": {
                              "type": "string"
                            }
                          },
                          "labels": {
                            "type": "object",
                            "additionalProperties": {
                              "type": "string"
                            }
                          }
                        }
                      }
                    }
                  }
                }
              },
              "503": {
                "description": "The coordinator has not answered",
                "content": {
                  "application/json": {
                    "schema": {
                      "$ref": "#/components/schemas/Error"
                    }
                  }
                }
              }
            }
          }
        },
        "/health": {
          "get": {
            "summary": "InfluxDB 2.x health",
            "responses": {
              "200": {
                "description": "Ready",
                "content": {
                  "application/json": {
                    "schema": {
                      "type": "object",
                      "required": [
                        "status"
                      ],
                      "properties": {
                        "status": {
                          "type": "string"
                        }
                      }
                    }
                  }
                }
              },
              "503": {
                "description": "Not ready",
                "content": {
                  "application/json": {
                    "schema": {
                      "type": "object",
                      "required": [
                        "status"
                      ],
                      "properties": {
                        "status": {
                          "type": "string"
                        }
                      }
                    }
                  }
                }
              }
            }
          }
        },
        "/api/v2/ping": {
          "get": {
            "summary": "InfluxDB 2.x ping",
            "responses": {
              "204": {
                "description": "The server is up"
              }
            }
          }
        }
      },
      "components": {
        "schemas": {
          "Sample": {
            "type": "object",
            "required": ["name", "value"],
            "properties": {
              "name": {"type": "string", "minLength": 1, "maxLength": 200, "pattern": "^[A-Za-z0-9_.:/-]+$"},
              "value": {"type": "number"},
              "timestamp": {"oneOf": [{"type": "string", "description": "RFC 3339"}, {"type": "number", "description": "epoch milliseconds"}]},
              "tags": {"type": "object", "additionalProperties": {"type": "string"}, "maxProperties": 16},
              "type": {"type": "string", "enum": ["gauge", "counter", "timer"]}
            }
          },
          "IngestResult": {
            "type": "object",
            "required": ["accepted", "rejected", "errors"],
            "properties": {
              "accepted": {"type": "integer", "minimum": 0},
              "rejected": {"type": "integer", "minimum": 0},
              "errors": {"type": "array", "items": {"type": "object", "required": ["index", "error"], "properties": {
                "index": {"type": "integer", "minimum": 0}, "reason": {"type": "string"}, "error": {"type": "string"}}}}
            }
          },
          "Error": {"type": "object", "required": ["error"], "properties": {"error": {"type": "string"}}},
          "PrometheusSuccess": {"type": "object", "required": ["status", "data"], "properties": {"status": {"const": "success"}, "data": {}}},
          "PrometheusError": {"type": "object", "required": ["status", "errorType", "error"], "properties": {
            "status": {"const": "error"}, "errorType": {"type": "string"}, "error": {"type": "string"}}},
          "InfluxResults": {"type": "object", "required": ["results"], "properties": {"results": {"type": "array", "items": {"type": "object",
            "required": ["statement_id"], "properties": {"statement_id": {"type": "integer"}, "series": {"type": "array"}}}}}},
          "Names": {"type": "object", "required": ["names"], "properties": {"names": {"type": "array", "items": {"type": "string"}}}},
          "QueryResult": {
            "type": "object",
            "required": ["name", "step", "from", "to", "series"],
            "properties": {
              "name": {"type": "string"},
              "step": {"type": "string"},
              "from": {"type": "integer", "description": "epoch milliseconds"},
              "to": {"type": "integer", "description": "epoch milliseconds"},
              "series": {"type": "array", "items": {
                "type": "object",
                "required": ["tags", "timestamps"],
                "properties": {
                  "tags": {"type": "object", "additionalProperties": {"type": "string"}},
                  "timestamps": {"type": "array", "items": {"type": "integer"}}
                },
                "additionalProperties": {"type": "array", "items": {"type": ["number", "null"]}}
              }}
            }
          },
          "Cluster": {
            "type": "object",
            "required": ["mapVersion", "partitions", "reducers", "windowMs", "nodes"],
            "properties": {
              "mapVersion": {"type": "integer"},
              "partitions": {"type": "integer"},
              "reducers": {"type": "array", "items": {"type": ["string", "null"]}},
              "windowMs": {"type": "integer"},
              "sketchAccuracy": {"type": "number"},
              "watermark": {"type": ["integer", "null"]},
              "nodes": {"type": "array", "items": {"type": "object", "required": ["id", "role", "alive"], "properties": {
                "id": {"type": "string"}, "role": {"type": "string"}, "alive": {"type": "boolean"}, "lastSeenMs": {"type": "integer"},
                "endpoints": {"type": "object", "additionalProperties": {"type": "string"}},
                "ordinal": {"type": ["integer", "null"]}, "watermark": {"type": ["integer", "null"]},
                "figures": {"type": "object", "additionalProperties": {"type": "number"}},
                "partitionLoad": {"type": "array", "description": "A reducer's measured load per partition, smoothed (half-life 30 s)",
                  "items": {"type": "object", "required": ["partition", "samplesPerSecond", "rowsPerSecond"], "properties": {
                    "partition": {"type": "integer"}, "samplesPerSecond": {"type": "number"}, "rowsPerSecond": {"type": "number"}}}}}}},
              "balance": {"type": "object", "description": "How evenly the measured load (samples plus rows per second) is spread over the live reducers, and the partition moves that would even it",
                "required": ["imbalance", "imbalanceAfter", "hotPartitions", "proposedMoves"], "properties": {
                "imbalance": {"type": "number", "description": "The busiest live reducer's load over the mean reducer's (1: even; 0: no live reducer)"},
                "imbalanceAfter": {"type": "number", "description": "The same after the proposed moves"},
                "hotPartitions": {"type": "array", "items": {"type": "integer"}, "description": "Partitions above 1.5 times a reducer's fair share, heaviest first"},
                "proposedMoves": {"type": "array", "items": {"type": "object", "required": ["partition", "from", "to"], "properties": {
                  "partition": {"type": "integer"}, "from": {"type": "string"}, "to": {"type": "string"}}}}}},
              "owners": {"type": "array", "items": {"type": "integer"}, "description": "By partition: the owning reducer's index in reducers"},
              "epoch": {"type": "integer", "description": "Handovers completed so far"},
              "splits": {"type": "array", "description": "Hot partitions split by series: each series goes to one piece by a hash of its key; queries merge every piece",
                "items": {"$ref": "#/components/schemas/Split"}},
              "handover": {"type": "object", "description": "The handover under way (absent when none)",
                "required": ["id", "phase", "reason", "moves", "splits", "waitsFor", "startedAt"], "properties": {
                "id": {"type": "integer"}, "phase": {"type": "string", "enum": ["fencing", "copying"]}, "reason": {"type": "string"},
                "moves": {"type": "array", "items": {"type": "object", "required": ["partition", "from", "to"], "properties": {
                  "partition": {"type": "integer"}, "from": {"type": "string"}, "to": {"type": "string"}}}},
                "splits": {"type": "array", "description": "The splits once it completes", "items": {"$ref": "#/components/schemas/Split"}},
                "waitsFor": {"type": "array", "items": {"type": "string"}}, "startedAt": {"type": "integer", "description": "Epoch ms"}}},
              "lastHandover": {"type": "object", "required": ["id", "reason", "moves", "completed", "durationMs"], "properties": {
                "id": {"type": "integer"}, "reason": {"type": "string"}, "moves": {"type": "integer"}, "completed": {"type": "boolean"},
                "failure": {"type": "string"}, "durationMs": {"type": "integer"}}},
              "draining": {"type": "array", "items": {"type": "string"}, "description": "Reducers draining (or drained, until they stop)"},
              "desiredReducers": {"type": "integer", "description": "The count asked for by POST /v1/cluster/reducers"}
            }
          },
          "Split": {
            "type": "object",
            "required": ["partition", "pieces"],
            "properties": {"partition": {"type": "integer"},
                           "pieces": {"type": "array", "items": {"type": "string"}, "description": "The reducers taking its pieces, the owner (which keeps what the partition held before the split) first"}}
          },
          "Membership": {
            "type": "object",
            "required": ["message", "draining"],
            "properties": {"message": {"type": "string"}, "draining": {"type": "array", "items": {"type": "string"}}}
          }
        }
      }
    }
    """#
}
