from core.model.events cimport OrderEvent
from core.model.orders cimport Order
from core.trading.actor cimport Actor
from core.trading.factory cimport OrderFactory


cdef class Strategy(Actor):
    cdef readonly OrderFactory order_factory
    cdef readonly object oms_type
    cdef list _order_handlers
    cdef object _on_order_event
    cdef object _on_position_handlers
    cdef object _on_position_event
    cdef object _on_event

    cpdef void handle_order_event(self, OrderEvent event) except *
    cpdef void handle_position_event(self, object event) except *
    cpdef void submit_order(self, Order order, object position_id=*, object client_id=*) except *
