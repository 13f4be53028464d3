"""The API's pages of results."""

from rest_framework import pagination
from rest_framework.exceptions import ValidationError


class PageNumberPagination(pagination.PageNumberPagination):
    """DRF's numbered pages, except that ``?page=`` given must be a page number: DRF reads
    an empty one (or the last of several) as page 1. A number past the last page is
    still DRF's 404 "Invalid page"."""

    NOT_A_PAGE = "A page number: a whole number from 1."

    def get_page_number(self, request, paginator):
        values = request.query_params.getlist(self.page_query_param)
        if not values:
            return 1
        if len(values) > 1 or not values[0].isascii() or not values[0].isdigit():
            raise ValidationError({self.page_query_param: [self.NOT_A_PAGE]})
        return values[0]
