"""Catalog backend of the example shop: serves shop.catalog.v1.CatalogService.

Usage: shop_backend.py [--port N]   (default 50051; prints `LISTENING <port>` when ready)
"""

import os
import sys

import grpc

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "Tests", "Backends"))
import grpc_backend  # noqa: E402

(catalog_pb2, catalog_pb2_grpc), = grpc_backend.load_protos(
    os.path.join(HERE, "..", "..", "protos"), ["shop/catalog/v1/catalog.proto"])


def product(id, name, price, tags, rating, rating_count, discontinued=False):
    units, cents = divmod(round(price * 100), 100)
    return catalog_pb2.Product(
        id=id,
        name=name,
        sku="SKU-%04d" % int(id),
        price=catalog_pb2.Money(currency_code="EUR", units=units, nanos=cents * 10_000_000),
        tags=tags,
        discontinued=discontinued,
        rating=rating,
        rating_count=rating_count,
    )


CATALOG = {p.id: p for p in [
    product("1", "Espresso Machine Barista Pro", 549.99, ["kitchen", "coffee"], 4.6, 1289),
    product("2", "Stainless Steel Milk Frother", 24.50, ["kitchen"], 3.9, 211, discontinued=True),
    product("42", "Hitchhiker's Travel Towel", 19.95, ["travel", "bath", "bestseller"], 4.8, 4242),
]}


class CatalogService(catalog_pb2_grpc.CatalogServiceServicer):
    def GetProduct(self, request, context):
        if not request.id:
            context.abort(grpc.StatusCode.INVALID_ARGUMENT, "id must not be empty")
        found = CATALOG.get(request.id)
        if found is None:
            context.abort(grpc.StatusCode.NOT_FOUND, 'product "%s" not found' % request.id)
        return found


if __name__ == "__main__":
    args = grpc_backend.parse_args(default_port=50051, description=__doc__)
    grpc_backend.serve(
        [(catalog_pb2_grpc.add_CatalogServiceServicer_to_server, CatalogService())], args)
