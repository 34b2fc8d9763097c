"""start_instance(unique_business_key=True): one instance per process key and business key,
even when starts race; the repeated start returns the first instance."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from engine.services import InvalidInput, deploy, start_instance
from engine.store.models import ProcessInstance
from tests.services.models import review_process


@pytest.mark.django_db
def test_a_repeated_start_returns_the_first_instance_across_versions() -> None:
    deploy(review_process())
    first = start_instance(key="order_review", business_key="K-1", unique_business_key=True)
    deploy(review_process(name="v2"))

    again = start_instance(key="order_review", business_key="K-1", unique_business_key=True)
    plain = start_instance(key="order_review", business_key="K-1")

    assert (first.created, again.created) == (True, False)
    assert again.pk == first.pk
    assert plain.pk != first.pk  # without the option, a business key is just a label
    with pytest.raises(InvalidInput, match="needs a business key"):
        start_instance(key="order_review", unique_business_key=True)


@pytest.mark.django_db(transaction=True)
def test_racing_starts_make_one_instance() -> None:
    deploy(review_process())
    results: list[int] = []
    errors: list[BaseException] = []
    barrier = threading.Barrier(4)

    def start() -> None:
        try:
            barrier.wait()
            results.append(
                start_instance(key="order_review", business_key="R-1", unique_business_key=True).pk
            )
        except BaseException as error:
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=start) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)

    assert errors == []
    assert len(set(results)) == 1 and len(results) == 4
    assert ProcessInstance.objects.filter(business_key="R-1").count() == 1
