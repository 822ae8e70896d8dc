"""Edge: media serving (``GET /media/{key}``), signed expiring media URLs, cache policy.

The nginx edge-cache tier in ``deploy/nginx/foryou-edge.conf`` checks the same signatures
(nginx's ``secure_link`` module) and honours the same ``Cache-Control`` answers.
"""
